// A view over a serialized header map (proxy-wasm pairs format: u32 count, count × (u32 key
// length, u32 value length), then each key and value followed by NUL), read in place.
// The request's headers arrive in one host call and are indexed here without copying.

export const MAX_PAIRS: i32 = 1024; // PROXY_WASM_HOST_PAIRS_MAX_COUNT (cpp-host limits.h)

export class HeaderMapView {
  count: i32 = 0;
  keyPtr: StaticArray<usize> = new StaticArray<usize>(MAX_PAIRS);
  keyLen: StaticArray<usize> = new StaticArray<usize>(MAX_PAIRS);
  valuePtr: StaticArray<usize> = new StaticArray<usize>(MAX_PAIRS);
  valueLen: StaticArray<usize> = new StaticArray<usize>(MAX_PAIRS);

  /** Indexes a serialized map; false (and count 0) when it is malformed. */
  parse(ptr: usize, len: usize): bool {
    this.count = 0;
    if (len == 0) return true;
    if (len < 4) return false;
    const n = load<u32>(ptr);
    if (n > <u32>MAX_PAIRS || <u64>4 + <u64>n * 8 > <u64>len) return false;
    let data: usize = ptr + 4 + (<usize>n << 3);
    const end = ptr + len;
    for (let i: u32 = 0; i < n; i++) {
      const kl = <usize>load<u32>(ptr + 4 + (<usize>i << 3));
      const vl = <usize>load<u32>(ptr + 8 + (<usize>i << 3));
      if (<u64>data + <u64>kl + <u64>vl + 2 > <u64>end) return false;
      if (load<u8>(data + kl) != 0 || load<u8>(data + kl + 1 + vl) != 0) return false;
      unchecked(this.keyPtr[i] = data);
      unchecked(this.keyLen[i] = kl);
      unchecked(this.valuePtr[i] = data + kl + 1);
      unchecked(this.valueLen[i] = vl);
      data += kl + vl + 2;
    }
    this.count = <i32>n;
    return true;
  }

  /** Index of the first header named exactly `name` at or after `from`, or -1. */
  find(name: usize, nameLen: usize, from: i32 = 0): i32 {
    for (let i = from; i < this.count; i++) {
      if (unchecked(this.keyLen[i]) == nameLen && memory.compare(unchecked(this.keyPtr[i]), name, nameLen) == 0) return i;
    }
    return -1;
  }

  @inline key(i: i32): usize { return unchecked(this.keyPtr[i]); }
  @inline keyLength(i: i32): usize { return unchecked(this.keyLen[i]); }
  @inline value(i: i32): usize { return unchecked(this.valuePtr[i]); }
  @inline valueLength(i: i32): usize { return unchecked(this.valueLen[i]); }
}
