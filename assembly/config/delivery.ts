// How a configuration reaches the filter, before validation (docs/config-format.md
// "Delivery framing"): the plugin configuration is either the blob itself (GWSM), the blob
// compressed with zlib (GWSZ), inflated through Envoy's `uncompress` foreign function, or — in
// a bundled module — only a version string naming the configuration built into the module
// (docs/design.md "Delivering large configurations"). Configure-time only: the request path
// never runs this code.
import { Status, callForeignFunction, outLen, outPtr } from "../abi/host";
import { freeHostBlock, malloc } from "../abi/memory";
import { namedVersion, versionError } from "./version";

export const BLOB_MAGIC: u32 = 0x4d535747; // "GWSM"
export const COMPRESSED_MAGIC: u32 = 0x5a535747; // "GWSZ"
export const BUNDLE_MAGIC: u32 = 0x42535747; // "GWSB"
export const COMPRESSED_HEADER_BYTES: u32 = 12; // magic, framing version, uncompressed length
export const FRAMING_VERSION: u32 = 1;
/** The largest blob the filter inflates: the format's offsets are u32, and 256 MiB is far past any gateway. */
const MAX_UNCOMPRESSED: u32 = 256 << 20;

/**
 * The bundle slot: an 8-byte marker the bundler (host/rollout/bundle.ts) finds in the module's
 * data, followed by (pointer, length) words that the code it adds to the module's `_start`
 * fills in with a block holding the bundled payload. Zero in a module that carries no bundle.
 */
const BUNDLE_SLOT: usize = memory.data<u8>([0x47, 0x57, 0x42, 0x55, 0x4e, 0x44, 0x4c, 0x45, 0, 0, 0, 0, 0, 0, 0, 0], 8); // "GWBUNDLE"

const UNCOMPRESS = String.UTF8.encode("uncompress");

/** Why the last unwrap failed. */
export let deliveryError: string = "";

/** A block from the host's allocator (ours, via `malloc`), owned by the caller. */
export class Block {
  constructor(public ptr: usize, public len: u32) {}
}

function fail(message: string): Block | null {
  deliveryError = message;
  return null;
}

/** The bundled payload in memory (pointer 0 when the module carries none). */
export function bundlePtr(): usize { return load<u32>(BUNDLE_SLOT, 8); }
export function bundleLen(): u32 { return load<u32>(BUNDLE_SLOT, 12); }
export function isBundled(): bool { return bundleLen() != 0; }

/**
 * The configuration blob named by a bundled module's plugin configuration (`version`, the
 * bytes at `ptr`): a fresh block holding the bundled blob (still framed: GWSM or GWSZ) when the
 * version is the bundle's, else null with `deliveryError` set. Bundle payload layout: magic
 * GWSB, version length, version bytes padded to a word, framed blob.
 */
export function bundledBlob(versionPtr: usize, versionLen: u32): Block | null {
  const base = bundlePtr();
  const total = bundleLen();
  if (base == 0) return fail("the bundled configuration could not be placed in memory (out of memory at start)");
  if (total < 8 || load<u32>(base) != BUNDLE_MAGIC) return fail("the module's bundle is not a gatewasm bundle (bad magic)");
  const vlen = load<u32>(base, 4);
  const blobAt: u64 = 8 + ((<u64>vlen + 3) & ~(<u64>3));
  if (blobAt > <u64>total) return fail("the module's bundle is truncated");
  const bundled = String.UTF8.decodeUnsafe(base + 8, vlen);
  const given = namedVersion(versionPtr, versionLen);
  if (given === null) return fail(versionError);
  if (bundled != given) {
    const shown = given.length > 80 ? given.slice(0, 80) + "…" : given;
    return fail("the plugin configuration names version \"" + shown + "\" but this module bundles version \"" + bundled + "\"");
  }
  const len = total - <u32>blobAt;
  const copy = malloc(len);
  if (copy == 0 && len != 0) return fail("out of memory copying the bundled configuration");
  memory.copy(copy, base + <usize>blobAt, len);
  return new Block(copy, len);
}

/**
 * The plain blob for a framed one: `block` itself when it is not compressed, else a new block
 * with the inflated bytes (`block` is freed either way once it is no longer needed). Null with
 * `deliveryError` set when inflating fails; `block` is freed then too.
 */
export function unframe(block: Block): Block | null {
  if (block.len < 4 || load<u32>(block.ptr) != COMPRESSED_MAGIC) return block;
  if (block.len < COMPRESSED_HEADER_BYTES) {
    freeHostBlock(block.ptr);
    return fail("the compressed configuration is truncated (" + block.len.toString() + " bytes)");
  }
  const version = load<u32>(block.ptr, 4);
  const expected = load<u32>(block.ptr, 8);
  if (version != FRAMING_VERSION) {
    freeHostBlock(block.ptr);
    return fail("unsupported compressed framing version " + version.toString());
  }
  if (expected > MAX_UNCOMPRESSED) {
    freeHostBlock(block.ptr);
    return fail("the compressed configuration claims " + expected.toString() + " bytes, more than the " + MAX_UNCOMPRESSED.toString() + " the filter inflates");
  }
  // Envoy's `uncompress` (source/extensions/common/wasm/foreign.cc): zlib's uncompress() over
  // the whole argument (RFC 1950 zlib format), growing its output until it fits; the result is
  // placed with our malloc; a corrupt or truncated stream is SERIALIZATION_FAILURE.
  const status = callForeignFunction(changetype<usize>(UNCOMPRESS), <usize>UNCOMPRESS.byteLength,
    block.ptr + COMPRESSED_HEADER_BYTES, <usize>(block.len - COMPRESSED_HEADER_BYTES));
  const out = outPtr();
  const outLength = <u32>outLen();
  freeHostBlock(block.ptr);
  if (status == Status.NotFound) return fail("the compressed configuration needs the host's \"uncompress\" foreign function, which this host does not have");
  if (status != Status.Ok) {
    freeHostBlock(out);
    return fail("the compressed configuration is corrupt (uncompress: status " + (<u32>status).toString() + ")");
  }
  if (outLength != expected) {
    freeHostBlock(out);
    return fail("the compressed configuration inflates to " + outLength.toString() + " bytes, its header says " + expected.toString());
  }
  if (outLength != 0 && out == 0) return fail("the host returned no block for the inflated configuration");
  return new Block(out, outLength);
}
