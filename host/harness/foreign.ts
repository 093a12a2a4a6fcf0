// The foreign functions Envoy registers for every Wasm module that this harness mirrors, and
// how cpp-host hands a foreign function's result to the module.
//
// Envoy source/extensions/common/wasm/foreign.cc:
// - `compress`: zlib compress() of the whole argument (RFC 1950 zlib format, default level);
//   SERIALIZATION_FAILURE if zlib fails.
// - `uncompress`: zlib uncompress() of the whole argument into a buffer that starts at
//   2 × input + 2 bytes and doubles while zlib answers Z_BUF_ERROR; any other zlib error (bad
//   header, bad checksum, truncated stream) is SERIALIZATION_FAILURE. Bytes after the end of the
//   zlib stream are ignored, as zlib's uncompress() ignores them (Node's inflateSync does too).
// proxy-wasm-cpp-host src/exports.cc call_foreign_function: NOT_FOUND for an unknown name; the
// function's result is placed with the module's malloc only when it produces one, and the
// (pointer, size) words are written whatever the status — (0, 0) when nothing was produced; a
// results pointer of 0 means the caller does not want the result.
// `clear_route_cache` stays in worker.ts: it acts on the stream, not on bytes.
import { deflateSync, inflateSync } from "node:zlib";
import { Status } from "./abi.ts";

export interface ForeignResult {
  status: number;
  /** The bytes the function produced (alloc_result), if any. */
  result?: Uint8Array;
}

export type EnvoyForeignFunction = (args: Uint8Array) => ForeignResult;

export const ENVOY_FOREIGN_FUNCTIONS: ReadonlyMap<string, EnvoyForeignFunction> = new Map<string, EnvoyForeignFunction>([
  ["compress", (args) => {
    try {
      return { status: Status.OK, result: deflateSync(args) };
    } catch {
      return { status: Status.SERIALIZATION_FAILURE };
    }
  }],
  ["uncompress", (args) => {
    try {
      return { status: Status.OK, result: inflateSync(args) };
    } catch {
      return { status: Status.SERIALIZATION_FAILURE };
    }
  }],
]);

/** The part of a worker the result hand-over needs. */
export interface ForeignMemory {
  alloc(size: number): number;
  setU32(ptr: number, v: number): boolean;
  read(ptr: number, len: number): Uint8Array | null;
}

/** Writes a foreign function's result into the module as cpp-host does; returns the call's status. */
export function deliverForeignResult(mem: ForeignMemory, r: ForeignResult, resultsPtr: number, resultsSizePtr: number): number {
  let address = 0;
  let size = 0;
  if (r.result !== undefined) {
    size = r.result.length;
    if (resultsPtr !== 0) {
      // allocMemory(size): the module's malloc, even for 0 bytes.
      address = mem.alloc(size);
      const view = address === 0 ? null : mem.read(address, size);
      if (view === null) return Status.INVALID_MEMORY_ACCESS;
      view.set(r.result);
    }
  }
  if (resultsPtr !== 0 && !mem.setU32(resultsPtr, address)) return Status.INVALID_MEMORY_ACCESS;
  if (resultsSizePtr !== 0 && !mem.setU32(resultsSizePtr, size)) return Status.INVALID_MEMORY_ACCESS;
  return r.status;
}
