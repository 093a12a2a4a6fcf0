// State shared by every worker VM of one host: clock, randomness, logs, stats, shared data,
// queues, clusters and pending HTTP callouts.
import {
  ABI_0_2_1, HOST_PROFILES, LOG_LEVEL_NAMES, PROFILE, type AbiVersion, type HostProfile, type ProfileTables,
} from "./abi.ts";
import { MetricStore } from "./metrics.ts";
import { encodePropertyTable, type PropertyList, type PropertyValue } from "./properties.ts";
import { SharedDataStore, SharedQueueStore } from "./shared.ts";
import type { HostCallHook, HostOptions, HttpCallRecord, LogEntry } from "./types.ts";

const encoder = new TextEncoder();

export const DEFAULT_START_TIME_MS = 1_700_000_000_000;
/**
 * Envoy's monotonic clock is the steady clock (envoy context.cc getMonotonicTimeNanoseconds:
 * time_source_.monotonicTime()), i.e. time since the machine booted: never 0, not even while the
 * VM starts (Go's runtime dies on "nanotime returning zero"). The harness starts it at one hour.
 */
export const DEFAULT_MONOTONIC_START_NS = 3_600_000_000_000n;

export class HostCore {
  readonly rootId: string;
  readonly pluginName: string;
  readonly vmId: string;
  readonly rootIdBytes: Uint8Array;
  readonly pluginNameBytes: Uint8Array;
  readonly vmIdBytes: Uint8Array;
  readonly vmConfig: Uint8Array;
  pluginConfig: Uint8Array;
  readonly failOpen: boolean;
  /** Which Envoy/cpp-host the harness mirrors where they differ (abi.ts HostProfile). */
  readonly profile: HostProfile;
  readonly tables: ProfileTables;
  private readonly monotonicStartNs: bigint;
  /** The module's ABI version export (0.2.0 modules get the 0.2.1 imports without proxy_get_log_level). */
  abiVersion: AbiVersion = ABI_0_2_1;
  /** proxy_log_level_t the host runs at; lower levels are dropped (Envoy logger level). */
  readonly logLevel: number;
  /** The seed of random_get's PRNG (print it in failing randomized tests). */
  readonly seed: number;
  private rng: number;
  nowMs: number;
  private readonly startMs: number;
  readonly logs: LogEntry[] = [];
  /** Lines Envoy logs about the module at its own trace level (Context::error: fd_seek, proc_exit, ...). */
  readonly hostTrace: Array<{ worker: number; message: string; contextId: number }> = [];
  /** `KEY=VALUE\0` entries WASI environ_get answers (Envoy VmConfig.environment_variables). */
  readonly environment: Uint8Array[];
  readonly stats = new MetricStore();
  readonly sharedData = new SharedDataStore();
  readonly queues = new SharedQueueStore();
  readonly clusters: Set<string>;
  readonly staticProperties: Map<string, Uint8Array>;
  readonly foreignFunctions: Map<string, (args: Uint8Array) => Uint8Array | void>;
  /** Runs what Envoy's dispatchers have been posted (on_queue_ready); set by the host. */
  runPosted: () => void = () => {};
  /** Fault injection (HostCallHook): null runs every host call. */
  onHostCall: HostCallHook | null;
  /** Callouts not answered yet, oldest first. */
  readonly pendingHttpCalls: HttpCallRecord[] = [];
  /** Every callout the module made. */
  readonly httpCallLog: HttpCallRecord[] = [];

  constructor(opts: HostOptions) {
    // Neutral defaults (an Envoy PluginConfig that leaves them empty); gatewasm's are GATEWASM_PRESET.
    this.rootId = opts.rootId ?? "";
    this.pluginName = opts.pluginName ?? "";
    this.vmId = opts.vmId ?? "";
    this.rootIdBytes = encoder.encode(this.rootId);
    this.pluginNameBytes = encoder.encode(this.pluginName);
    this.vmIdBytes = encoder.encode(this.vmId);
    this.vmConfig = toBytes(opts.vmConfig);
    this.pluginConfig = toBytes(opts.pluginConfig);
    this.failOpen = opts.failOpen ?? false;
    this.profile = opts.hostProfile ?? "envoy-1.36";
    if (!HOST_PROFILES.includes(this.profile)) throw new Error(`unknown hostProfile ${String(opts.hostProfile)}`);
    this.tables = PROFILE[this.profile];
    this.monotonicStartNs = opts.monotonicStartNs ?? DEFAULT_MONOTONIC_START_NS;
    const lvl = LOG_LEVEL_NAMES.indexOf(opts.logLevel ?? "trace");
    if (lvl < 0) throw new Error(`unknown logLevel ${String(opts.logLevel)}`);
    this.logLevel = lvl;
    this.seed = (opts.seed ?? 1) >>> 0;
    this.rng = this.seed;
    this.nowMs = this.startMs = opts.startTimeMs ?? DEFAULT_START_TIME_MS;
    this.clusters = new Set(opts.clusters ?? []);
    this.environment = Object.entries(opts.environment ?? {}).map(([k, v]) => encoder.encode(`${k}=${v}\0`));
    this.staticProperties = encodePropertyTable(opts.properties, opts.propertyList) ?? new Map();
    this.foreignFunctions = new Map(Object.entries(opts.foreignFunctions ?? {}));
    this.onHostCall = opts.onHostCall ?? null;
  }

  nowNs(): bigint {
    return BigInt(Math.round(this.nowMs * 1e6));
  }

  monotonicNs(): bigint {
    return this.monotonicStartNs + BigInt(Math.round((this.nowMs - this.startMs) * 1e6));
  }

  /** mulberry32 over a 32-bit state seeded with `seed`: deterministic random_get bytes. */
  fillRandom(out: Uint8Array): void {
    for (let i = 0; i < out.length; i += 4) {
      this.rng = (this.rng + 0x6d2b79f5) | 0;
      let t = this.rng;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      t = (t ^ (t >>> 14)) >>> 0;
      for (let j = 0; j < 4 && i + j < out.length; j++) out[i + j] = (t >>> (j * 8)) & 0xff;
    }
  }

  /** The VM each callout came from (answers go back to it; a dropped canary's are discarded). */
  readonly httpCallVm = new WeakMap<HttpCallRecord, { role: string }>();

  recordHttpCall(c: HttpCallRecord, vm: { role: string }): void {
    this.httpCallVm.set(c, vm);
    this.pendingHttpCalls.push(c);
    this.httpCallLog.push(c);
  }

  encodeProperties(p: Record<string, PropertyValue> | undefined, list?: PropertyList): Map<string, Uint8Array> | null {
    return encodePropertyTable(p, list);
  }
}

export function toBytes(b: string | Uint8Array | undefined): Uint8Array {
  if (b === undefined) return new Uint8Array(0);
  return typeof b === "string" ? encoder.encode(b) : b;
}
