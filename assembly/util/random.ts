// Per-VM pseudo-random numbers for weighted destination choice and fault percentages.
// Seeded once from WASI random_get (which Envoy backs with its random generator), then
// xorshift64*: no host call per request.

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "random_get")
declare function random_get(buf: usize, len: usize): u16;

let state: u64 = 0x9e3779b97f4a7c15;

export function seedRandom(): void {
  const buf = memory.data(8);
  if (random_get(buf, 8) == 0) state = load<u64>(buf);
  if (state == 0) state = 0x9e3779b97f4a7c15;
}

export function random64(): u64 {
  let x = state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  state = x;
  return x * 0x2545f4914f6cdd1d;
}
