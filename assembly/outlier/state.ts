// The outlier tracker's shared-data records (docs/design.md "Outlier tracking"). Envoy keeps
// one detector per cluster for the whole proxy; the filter runs in one VM per worker, so the
// state lives in proxy-wasm shared data, one key per (cluster, endpoint) and one per cluster,
// each updated with compare-and-swap. These classes read and write the little-endian values.
import { Scratch } from "../util/bytes";

/** Host flags. */
export const EJECTED: u32 = 1;
/** Envoy's last_unejection_time has a value (the host was un-ejected at least once). */
export const UNEJECTED_ONCE: u32 = 2;

export const HOST_BYTES: u32 = 48;

/**
 * One endpoint's DetectorHostMonitorImpl state: consecutive counters, ejection flag, number
 * of ejections, the backoff multiplier and the last (un)ejection times (ms since the epoch,
 * from proxy_get_current_time_nanoseconds: every worker reads the same clock).
 */
export class HostState {
  c5xx: u32 = 0;
  cgw: u32 = 0;
  clocal: u32 = 0;
  flags: u32 = 0;
  numEjections: u32 = 0;
  backoff: u32 = 0;
  lastEjectionMs: u64 = 0;
  lastUnejectionMs: u64 = 0;
  /** Learned clusters: the last seen-window this endpoint was counted in. */
  lastWindow: u32 = 0;

  reset(): void {
    this.c5xx = 0; this.cgw = 0; this.clocal = 0; this.flags = 0; this.numEjections = 0; this.backoff = 0;
    this.lastEjectionMs = 0; this.lastUnejectionMs = 0; this.lastWindow = 0;
  }

  /** A value of another length (none yet, or foreign) reads as a fresh host. */
  load(ptr: usize, len: usize): void {
    if (len != <usize>HOST_BYTES) { this.reset(); return; }
    this.c5xx = load<u32>(ptr, 0);
    this.cgw = load<u32>(ptr, 4);
    this.clocal = load<u32>(ptr, 8);
    this.flags = load<u32>(ptr, 12);
    this.numEjections = load<u32>(ptr, 16);
    this.backoff = load<u32>(ptr, 20);
    this.lastEjectionMs = load<u64>(ptr, 24);
    this.lastUnejectionMs = load<u64>(ptr, 32);
    this.lastWindow = load<u32>(ptr, 40);
  }

  store(ptr: usize): void {
    store<u32>(ptr, this.c5xx, 0);
    store<u32>(ptr, this.cgw, 4);
    store<u32>(ptr, this.clocal, 8);
    store<u32>(ptr, this.flags, 12);
    store<u32>(ptr, this.numEjections, 16);
    store<u32>(ptr, this.backoff, 20);
    store<u64>(ptr, this.lastEjectionMs, 24);
    store<u64>(ptr, this.lastUnejectionMs, 32);
    store<u32>(ptr, this.lastWindow, 40);
    store<u32>(ptr, 0, 44);
  }

  @inline get ejected(): bool { return (this.flags & EJECTED) != 0; }
}

const C_NEXT: usize = 0;
const C_ACTIVE: usize = 8;
const C_WINDOW: usize = 12;
const C_CUR: usize = 16;
const C_PREV: usize = 20;
const C_TRACKED: usize = 24;
export const CLUSTER_HEADER_BYTES: usize = 32;

/**
 * One cluster's DetectorImpl state, edited in a private copy (`buf`) and written back whole:
 * the next interval run (ms), the number of ejected hosts, the seen-window counts of learned
 * endpoints, and the endpoints the interval must visit — every host that is ejected or still
 * has a backoff multiplier to decay — as (u32 length, bytes padded to 4) entries.
 */
export class ClusterState {
  buf: Scratch = new Scratch();

  /** Copies a stored value; false when it is not a cluster record (then `init` it). */
  load(ptr: usize, len: usize): bool {
    if (len < CLUSTER_HEADER_BYTES || !entriesValid(ptr, len)) return false;
    this.buf.reset();
    this.buf.append(ptr, len);
    return true;
  }

  init(nextIntervalMs: u64): void {
    this.buf.reset();
    this.buf.reserve(CLUSTER_HEADER_BYTES);
    memory.fill(this.buf.ptr, 0, CLUSTER_HEADER_BYTES);
    this.buf.length = CLUSTER_HEADER_BYTES;
    store<u64>(this.buf.ptr, nextIntervalMs, C_NEXT);
  }

  @inline get ptr(): usize { return this.buf.ptr; }
  @inline get length(): usize { return this.buf.length; }

  get nextIntervalMs(): u64 { return load<u64>(this.buf.ptr, C_NEXT); }
  set nextIntervalMs(v: u64) { store<u64>(this.buf.ptr, v, C_NEXT); }
  get active(): u32 { return load<u32>(this.buf.ptr, C_ACTIVE); }
  set active(v: u32) { store<u32>(this.buf.ptr, v, C_ACTIVE); }
  get trackedCount(): u32 { return load<u32>(this.buf.ptr, C_TRACKED); }

  /** Distinct learned endpoints seen in the current or the previous window (both rolled to `window`). */
  seen(window: u32): u32 {
    const w = load<u32>(this.buf.ptr, C_WINDOW);
    let cur = load<u32>(this.buf.ptr, C_CUR);
    let prev = load<u32>(this.buf.ptr, C_PREV);
    if (window > w) { prev = window == w + 1 ? cur : 0; cur = 0; }
    return cur > prev ? cur : prev;
  }

  /** Counts one more endpoint seen in `window` (windows only move forward). */
  countSeen(window: u32): void {
    const p = this.buf.ptr;
    const w = load<u32>(p, C_WINDOW);
    if (window > w) {
      store<u32>(p, window == w + 1 ? load<u32>(p, C_CUR) : 0, C_PREV);
      store<u32>(p, 0, C_CUR);
      store<u32>(p, window, C_WINDOW);
    }
    if (window >= w) store<u32>(p, load<u32>(p, C_CUR) + 1, C_CUR);
  }

  /** Byte offset of the tracked entry for `addr`, or -1. */
  find(addr: usize, len: usize): isize {
    let at = CLUSTER_HEADER_BYTES;
    while (at < this.buf.length) {
      const n = <usize>load<u32>(this.buf.ptr + at);
      if (n == len && memory.compare(this.buf.ptr + at + 4, addr, len) == 0) return <isize>at;
      at += 4 + ((n + 3) & ~3);
    }
    return -1;
  }

  /** Adds `addr` to the tracked endpoints; false when it is there already. */
  track(addr: usize, len: usize): bool {
    if (this.find(addr, len) >= 0) return false;
    const padded = (len + 3) & ~3;
    this.buf.reserve(4 + padded);
    const at = this.buf.ptr + this.buf.length;
    store<u32>(at, <u32>len);
    memory.fill(at + 4, 0, padded);
    memory.copy(at + 4, addr, len);
    this.buf.length += 4 + padded;
    store<u32>(this.buf.ptr, load<u32>(this.buf.ptr, C_TRACKED) + 1, C_TRACKED);
    return true;
  }

  untrack(addr: usize, len: usize): bool {
    const at = this.find(addr, len);
    if (at < 0) return false;
    const size: usize = 4 + ((len + 3) & ~3);
    const from = <usize>at + size;
    memory.copy(this.buf.ptr + <usize>at, this.buf.ptr + from, this.buf.length - from);
    this.buf.length -= size;
    store<u32>(this.buf.ptr, load<u32>(this.buf.ptr, C_TRACKED) - 1, C_TRACKED);
    return true;
  }
}

/** Every tracked entry of a stored cluster value lies inside it (a foreign value is refused). */
function entriesValid(ptr: usize, len: usize): bool {
  let at = CLUSTER_HEADER_BYTES;
  let n: u32 = 0;
  while (at < len) {
    if (at + 4 > len) return false;
    const size = <usize>load<u32>(ptr + at);
    if (size == 0 || size > 255) return false;
    at += 4 + ((size + 3) & ~3);
    n++;
  }
  return at == len && n == load<u32>(ptr, C_TRACKED);
}
