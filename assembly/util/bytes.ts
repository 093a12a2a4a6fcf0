// Byte-level helpers for matching on raw request bytes: no UTF-8 decoding, no allocation.

@inline export function lowerAscii(b: u32): u32 {
  return b - 0x41 < 26 ? b | 0x20 : b;
}

export function bytesEqual(a: usize, aLen: usize, b: usize, bLen: usize): bool {
  return aLen == bLen && memory.compare(a, b, aLen) == 0;
}

/** ASCII case-insensitive equality (Envoy's case_sensitive: false uses ASCII folding). */
export function bytesEqualIgnoreCase(a: usize, aLen: usize, b: usize, bLen: usize): bool {
  if (aLen != bLen) return false;
  for (let i: usize = 0; i < aLen; i++) {
    if (lowerAscii(load<u8>(a + i)) != lowerAscii(load<u8>(b + i))) return false;
  }
  return true;
}

export function startsWith(s: usize, sLen: usize, prefix: usize, prefixLen: usize): bool {
  return prefixLen <= sLen && memory.compare(s, prefix, prefixLen) == 0;
}

/** FNV-1a, the hash the compiler used for its tables (host/config/layout.ts). */
export function fnv1a(ptr: usize, len: usize): u32 {
  let h: u32 = 0x811c9dc5;
  for (let i: usize = 0; i < len; i++) h = (h ^ <u32>load<u8>(ptr + i)) * 0x01000193;
  return h;
}

export function fnv1aLower(ptr: usize, len: usize): u32 {
  let h: u32 = 0x811c9dc5;
  for (let i: usize = 0; i < len; i++) h = (h ^ lowerAscii(load<u8>(ptr + i))) * 0x01000193;
  return h;
}

/**
 * A growable byte buffer reused across requests. It only grows between uses (`reserve`
 * before taking pointers), so addresses handed out during one request stay valid.
 */
export class Scratch {
  ptr: usize = 0;
  capacity: usize = 0;
  length: usize = 0;

  reset(): void { this.length = 0; }

  /** Makes room for `bytes` more; call before any pointer into the buffer is kept. */
  reserve(bytes: usize): void {
    const needed = this.length + bytes;
    if (needed <= this.capacity) return;
    // A length that wrapped (or a request for more than half the address space) would make
    // the doubling below wrap to 0 and spin: stop the VM with a message instead.
    assert(needed >= this.length && needed <= <usize>0x80000000, "scratch buffer size overflow");
    let capacity = this.capacity < 256 ? <usize>256 : this.capacity;
    while (capacity < needed) capacity <<= 1;
    this.ptr = this.ptr == 0 ? heap.alloc(capacity) : heap.realloc(this.ptr, capacity);
    this.capacity = capacity;
  }

  @inline at(): usize { return this.ptr + this.length; }

  append(src: usize, len: usize): void {
    this.reserve(len);
    memory.copy(this.ptr + this.length, src, len);
    this.length += len;
  }

  appendByte(b: u32): void {
    this.reserve(1);
    store<u8>(this.ptr + this.length, <u8>b);
    this.length += 1;
  }

  appendU32LE(v: u32): void {
    this.reserve(4);
    store<u32>(this.ptr + this.length, v);
    this.length += 4;
  }

  appendDecimal(v: u32): void {
    this.reserve(10);
    let digits: u32 = 1;
    for (let t = v; t >= 10; t /= 10) digits++;
    let at = this.ptr + this.length + digits;
    let n = v;
    do { at--; store<u8>(at, <u8>(0x30 + n % 10)); n /= 10; } while (n != 0);
    this.length += digits;
  }
}
