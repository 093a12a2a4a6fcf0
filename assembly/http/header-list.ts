// An editable list of header (name, value) slices used to rebuild the request's header map
// when a route rewrites it, then serialized for one proxy_set_header_map_pairs call.
// Slices point into the host's header block, the configuration or request scratch; nothing
// is copied until serialization.
import { HeaderMapView, MAX_PAIRS } from "./header-map";
import { Scratch } from "../util/bytes";

export class HeaderList {
  count: i32 = 0;
  keyPtr: StaticArray<usize> = new StaticArray<usize>(MAX_PAIRS);
  keyLen: StaticArray<usize> = new StaticArray<usize>(MAX_PAIRS);
  valuePtr: StaticArray<usize> = new StaticArray<usize>(MAX_PAIRS);
  valueLen: StaticArray<usize> = new StaticArray<usize>(MAX_PAIRS);
  live: StaticArray<bool> = new StaticArray<bool>(MAX_PAIRS);
  /** Entries dropped because the map would exceed the host's 1024-pair limit. */
  dropped: i32 = 0;

  load(view: HeaderMapView): void {
    this.count = view.count;
    this.dropped = 0;
    for (let i = 0; i < view.count; i++) {
      unchecked(this.keyPtr[i] = view.key(i));
      unchecked(this.keyLen[i] = view.keyLength(i));
      unchecked(this.valuePtr[i] = view.value(i));
      unchecked(this.valueLen[i] = view.valueLength(i));
      unchecked(this.live[i] = true);
    }
  }

  remove(name: usize, nameLen: usize): void {
    for (let i = 0; i < this.count; i++) {
      if (unchecked(this.live[i]) && unchecked(this.keyLen[i]) == nameLen && memory.compare(unchecked(this.keyPtr[i]), name, nameLen) == 0) {
        unchecked(this.live[i] = false);
      }
    }
  }

  add(name: usize, nameLen: usize, value: usize, valueLen: usize): void {
    let i = this.count;
    if (i >= MAX_PAIRS) i = this.compact();
    if (i >= MAX_PAIRS) { this.dropped++; return; }
    unchecked(this.keyPtr[i] = name);
    unchecked(this.keyLen[i] = nameLen);
    unchecked(this.valuePtr[i] = value);
    unchecked(this.valueLen[i] = valueLen);
    unchecked(this.live[i] = true);
    this.count = i + 1;
  }

  /**
   * Envoy OVERWRITE_IF_EXISTS_OR_ADD is HeaderMapImpl::setCopy: every value of the header
   * goes, then the new one is appended.
   */
  set(name: usize, nameLen: usize, value: usize, valueLen: usize): void {
    this.remove(name, nameLen);
    this.add(name, nameLen, value, valueLen);
  }

  private compact(): i32 {
    let j = 0;
    for (let i = 0; i < this.count; i++) {
      if (!unchecked(this.live[i])) continue;
      unchecked(this.keyPtr[j] = this.keyPtr[i]);
      unchecked(this.keyLen[j] = this.keyLen[i]);
      unchecked(this.valuePtr[j] = this.valuePtr[i]);
      unchecked(this.valueLen[j] = this.valueLen[i]);
      unchecked(this.live[j] = true);
      j++;
    }
    this.count = j;
    return j;
  }

  /**
   * Serializes the live entries into `out` (proxy-wasm pairs format); returns the start
   * address, or 0 when the map would be larger than `maxBytes` (nothing is written).
   */
  serialize(out: Scratch, maxBytes: usize): usize {
    let n: u32 = 0;
    let bytes: u64 = 4;
    for (let i = 0; i < this.count; i++) {
      if (!unchecked(this.live[i])) continue;
      n++;
      bytes += 8 + <u64>unchecked(this.keyLen[i]) + <u64>unchecked(this.valueLen[i]) + 2;
    }
    if (bytes > <u64>maxBytes) return 0;
    out.reserve(<usize>bytes);
    const start = out.at();
    out.appendU32LE(n);
    for (let i = 0; i < this.count; i++) {
      if (!unchecked(this.live[i])) continue;
      out.appendU32LE(<u32>unchecked(this.keyLen[i]));
      out.appendU32LE(<u32>unchecked(this.valueLen[i]));
    }
    for (let i = 0; i < this.count; i++) {
      if (!unchecked(this.live[i])) continue;
      out.append(unchecked(this.keyPtr[i]), unchecked(this.keyLen[i]));
      out.appendByte(0);
      out.append(unchecked(this.valuePtr[i]), unchecked(this.valueLen[i]));
      out.appendByte(0);
    }
    return start;
  }
}
