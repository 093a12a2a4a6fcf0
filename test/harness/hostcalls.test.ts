// Status codes of the env.proxy_* host functions, driven through the probe's call_<import>
// forwarders. Sources: cpp-host src/exports.cc, src/pairs_util.cc, src/shared_data.cc,
// src/shared_queue.cc; envoy source/extensions/common/wasm/context.cc.
import { describe, expect, test } from "vitest";
import { MapType, PAIRS_MAX_COUNT, parsePairs, serializePairs, Status } from "../../host/harness/index.ts";
import { outBytes, outString, probeHost, put, SLOT } from "./helpers.ts";

const OUT = SLOT.out;
const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

describe("memory rules (include/proxy-wasm/wasm.h copyToPointerSize, getMemory)", () => {
  test("out-of-bounds input pointer ⇒ INVALID_MEMORY_ACCESS", async () => {
    const host = await probeHost();
    const w = host.workers[0]!;
    expect(w.call("call_proxy_log", 2, 0x7fff_fff0, 100)).toBe(Status.INVALID_MEMORY_ACCESS);
  });
  test("out-of-bounds output slot ⇒ INVALID_MEMORY_ACCESS", async () => {
    const host = await probeHost();
    const w = host.workers[0]!;
    expect(w.call("call_proxy_get_log_level", -4)).toBe(Status.INVALID_MEMORY_ACCESS);
  });
});

describe("proxy_log / proxy_get_log_level (exports.cc log: level > critical ⇒ BAD_ARGUMENT)", () => {
  test("levels 0..5 accepted, 6 refused; below the host level dropped like Envoy's logger", async () => {
    const host = await probeHost({ logLevel: "warn" });
    const w = host.workers[0]!;
    const [[p, l]] = put(w, "hello") as [[number, number]];
    for (let lvl = 0; lvl <= 5; lvl++) expect(w.call("call_proxy_log", lvl, p, l)).toBe(Status.OK);
    expect(w.call("call_proxy_log", 6, p, l)).toBe(Status.BAD_ARGUMENT);
    expect(host.logs.map((e) => e.levelName)).toEqual(["warn", "error", "critical"]);
    expect(w.call("call_proxy_get_log_level", OUT)).toBe(Status.OK);
    expect(w.readU32(OUT)).toBe(3);
  });
});

describe("header maps", () => {
  test("pairs are serialized per spec, repeated keys kept, values first-only, size = byte size", async () => {
    const host = await probeHost({}, { reqHeadersAction: 1 });
    const w = host.workers[0]!;
    const p = host.send({ headers: [[":path", "/p"], ["a", "1"], ["A", "2"]] });
    const s = w.contexts.get(p.contextId)!.stream!;
    expect(s.call("call_proxy_get_header_map_pairs", MapType.HTTP_REQUEST_HEADERS, OUT, OUT + 4)).toBe(Status.OK);
    expect(parsePairs(outBytes(w))).toEqual([[":path", "/p"], ["a", "1"], ["a", "2"]]);
    const [[kp, kl]] = put(w, "A") as [[number, number]];
    expect(s.call("call_proxy_get_header_map_value", 0, kp, kl, OUT, OUT + 4)).toBe(Status.OK);
    expect(outString(w)).toBe("1");
    expect(s.call("call_proxy_get_header_map_size", 0, OUT)).toBe(Status.OK);
    expect(w.readU32(OUT)).toBe(":path/pa1a2".length);
    const [[mp, ml]] = put(w, "missing") as [[number, number]];
    expect(s.call("call_proxy_get_header_map_value", 0, mp, ml, OUT, OUT + 4)).toBe(Status.NOT_FOUND);
    expect(s.call("call_proxy_remove_header_map_value", 0, mp, ml)).toBe(Status.OK);
    expect(s.call("call_proxy_get_header_map_value", 9, kp, kl, OUT, OUT + 4)).toBe(Status.BAD_ARGUMENT);
  });

  // Envoy HeaderMapImpl::setCopy (source/common/http/header_map_impl.cc): remove(key), then
  // addCopy(key, value) — every earlier value goes and the new one is appended.
  test("writes lower-case keys; replace drops every earlier value (setCopy); remove drops all", async () => {
    const host = await probeHost({}, { reqHeadersAction: 1 });
    const w = host.workers[0]!;
    const p = host.send({ headers: [[":path", "/"], ["a", "1"], ["a", "2"]] });
    const s = w.contexts.get(p.contextId)!.stream!;
    const [[k, kl], [v, vl], [k2, k2l]] = put(w, "A", "x", "X-New") as Array<[number, number]>;
    expect(s.call("call_proxy_replace_header_map_value", 0, k, kl, v, vl)).toBe(Status.OK);
    expect(s.call("call_proxy_add_header_map_value", 0, k2, k2l, v, vl)).toBe(Status.OK);
    expect(s.request.headers.toArray()).toEqual([[":path", "/"], ["a", "x"], ["x-new", "x"]]);
    expect(s.call("call_proxy_remove_header_map_value", 0, k, kl)).toBe(Status.OK);
    expect(s.request.headers.toArray()).toEqual([[":path", "/"], ["x-new", "x"]]);
    expect(s.routeCacheCleared).toBe(true);
  });

  test("set_header_map_pairs replaces the map; pseudo-headers stay in front", async () => {
    const host = await probeHost({}, { reqHeadersAction: 1 });
    const w = host.workers[0]!;
    const p = host.send({ headers: { ":path": "/" } });
    const s = w.contexts.get(p.contextId)!.stream!;
    const [[pp, pl]] = put(w, serializePairs([["X-B", "1"], [":path", "/new"], [":method", "GET"]])) as [[number, number]];
    expect(s.call("call_proxy_set_header_map_pairs", 0, pp, pl)).toBe(Status.OK);
    expect(s.request.headers.toArray()).toEqual([[":path", "/new"], [":method", "GET"], ["x-b", "1"]]);
  });

  test("response headers are unavailable during the request phase (BAD_ARGUMENT), NOT_FOUND for missing maps in on_log", async () => {
    const host = await probeHost({}, { reqHeadersAction: 1 });
    const w = host.workers[0]!;
    const p = host.send({ headers: { ":path": "/" } });
    const s = w.contexts.get(p.contextId)!.stream!;
    expect(s.call("call_proxy_get_header_map_size", MapType.HTTP_RESPONSE_HEADERS, OUT)).toBe(Status.BAD_ARGUMENT);
    s.logPhase = true;
    try {
      expect(s.call("call_proxy_get_header_map_size", MapType.HTTP_RESPONSE_TRAILERS, OUT)).toBe(Status.NOT_FOUND);
    } finally {
      s.logPhase = false;
    }
  });
});

describe("strict pair parsing (cpp-host src/pairs_util.cc toPairs, include/proxy-wasm/limits.h)", () => {
  const good = serializePairs([["a", "1"], ["bb", ""]]);
  test("round trip and the annotated wire bytes", () => {
    expect(Array.from(serializePairs([["a", "1"]]))).toEqual([
      1, 0, 0, 0, // count
      1, 0, 0, 0, 1, 0, 0, 0, // key_len, value_len
      0x61, 0, 0x31, 0, // "a\0" "1\0"
    ]);
    expect(parsePairs(good)).toEqual([["a", "1"], ["bb", ""]]);
    expect(parsePairs(new Uint8Array(0))).toEqual([]);
  });
  test("missing NUL, overrun, trailing bytes, short header ⇒ rejected", () => {
    const noNul = good.slice();
    noNul[4 + 16 + 1] = 0x41;
    expect(parsePairs(noNul)).toBeNull();
    const overrun = good.slice();
    dv(overrun).setUint32(4, 100, true);
    expect(parsePairs(overrun)).toBeNull();
    expect(parsePairs(Uint8Array.of(...good, 0))).toBeNull();
    expect(parsePairs(Uint8Array.of(1, 0))).toBeNull();
  });
  test("more than 1024 pairs or more than 1 MiB ⇒ rejected", () => {
    const many = Array.from({ length: PAIRS_MAX_COUNT + 1 }, (_, i) => [`k${i}`, "v"] as [string, string]);
    expect(parsePairs(serializePairs(many))).toBeNull();
    expect(parsePairs(serializePairs(many.slice(0, PAIRS_MAX_COUNT)))).toHaveLength(PAIRS_MAX_COUNT);
    expect(parsePairs(serializePairs([["big", "x".repeat(1024 * 1024)]]))).toBeNull();
  });
  test("a malformed map given to send_local_response yields no headers", async () => {
    const host = await probeHost({}, { reqHeadersAction: 1 });
    const w = host.workers[0]!;
    const p = host.send({ headers: { ":path": "/" } });
    const s = w.contexts.get(p.contextId)!.stream!;
    const [[hp, hl], [bp, bl]] = put(w, Uint8Array.of(...good, 9), "") as Array<[number, number]>;
    expect(s.call("call_proxy_send_local_response", 400, bp, 0, bp, bl, hp, hl, -1)).toBe(Status.OK);
    expect(p.result.localReply!.headers).toEqual([]);
    expect(p.result.response!.headers).toEqual([[":status", "400"]]);
  });
});

describe("get_header_map_pairs on a missing or empty map (exports.cc get_header_map_pairs: no pairs ⇒ ptr 0, size 0)", () => {
  test("trailers not there yet, or missing in on_log: OK with ptr 0, size 0, as Envoy 1.36.4 answered test/harness-envoy", async () => {
    const host = await probeHost({}, { reqHeadersAction: 1 });
    const w = host.workers[0]!;
    const p = host.send({ headers: { ":path": "/" } });
    const s = w.contexts.get(p.contextId)!.stream!;
    w.writeBytes(OUT, new Uint8Array(8).fill(0xee));
    expect(s.call("call_proxy_get_header_map_pairs", MapType.HTTP_REQUEST_TRAILERS, OUT, OUT + 4)).toBe(Status.OK);
    expect([w.readU32(OUT), w.readU32(OUT + 4)]).toEqual([0, 0]);
    expect(s.call("call_proxy_get_header_map_pairs", 99, OUT, OUT + 4)).toBe(Status.BAD_ARGUMENT);
  });
});

describe("buffers (exports.cc get_buffer_bytes/status, envoy context.cc Buffer::copyFrom)", () => {
  test("plugin configuration only during on_configure, VM configuration always", async () => {
    const host = await probeHost({ vmConfig: "vmcfg", pluginConfig: "plug" });
    const w = host.workers[0]!;
    expect(w.call("call_proxy_get_buffer_bytes", 7, 0, 100, OUT, OUT + 4)).toBe(Status.NOT_FOUND);
    expect(w.call("call_proxy_get_buffer_bytes", 6, 1, 3, OUT, OUT + 4)).toBe(Status.OK);
    expect(outString(w)).toBe("mcf");
    expect(w.call("call_proxy_get_buffer_status", 6, OUT, OUT + 4)).toBe(Status.OK);
    expect([w.readU32(OUT), w.readU32(OUT + 4)]).toEqual([5, 0]);
    expect(w.call("call_proxy_get_buffer_status", 99, OUT, OUT + 4)).toBe(Status.BAD_ARGUMENT);
    expect(w.call("call_proxy_set_buffer_bytes", 6, 0, 0, OUT, 1)).toBe(Status.BAD_ARGUMENT);
  });

  test("an empty result writes ptr 0, size 0 and is OK — also when start is past the end (exports.cc get_buffer_bytes, #303)", async () => {
    const host = await probeHost({ vmConfig: "abc" });
    const w = host.workers[0]!;
    const stale = () => w.writeBytes(OUT, new Uint8Array([0xef, 0xbe, 0xad, 0xde, 0xef, 0xbe, 0xad, 0xde]));
    for (const [start, max] of [[3, 10], [10, 10], [0, 0], [0xffffffff, 1]] as const) {
      stale();
      expect(w.call("call_proxy_get_buffer_bytes", 6, start, max, OUT, OUT + 4), `start ${start}`).toBe(Status.OK);
      expect([w.readU32(OUT), w.readU32(OUT + 4)], `start ${start}`).toEqual([0, 0]);
    }
    // The request body outside its callback is an empty buffer: same answer.
    stale();
    expect(w.call("call_proxy_get_buffer_bytes", 0, 0, 100, OUT, OUT + 4)).toBe(Status.OK);
    expect([w.readU32(OUT), w.readU32(OUT + 4)]).toEqual([0, 0]);
    expect(w.call("call_proxy_get_buffer_bytes", 6, 5, 1, 0xfffffff0, OUT + 4)).toBe(Status.INVALID_MEMORY_ACCESS);
  });

  test("request body: prepend, replace prefix, append; middle writes BAD_ARGUMENT; upstream sees the result", async () => {
    const host = await probeHost({}, { reqBodyAction: 1 });
    const w = host.workers[0]!;
    const p = host.send({ headers: { ":path": "/" }, body: "hello" });
    const s = w.contexts.get(p.contextId)!.stream!;
    const [[ap, al]] = put(w, "AB") as [[number, number]];
    expect(s.call("call_proxy_set_buffer_bytes", 0, 0, 0, ap, al)).toBe(Status.OK); // prepend
    expect(s.call("call_proxy_set_buffer_bytes", 0, 99, 0, ap, al)).toBe(Status.OK); // append
    expect(s.call("call_proxy_set_buffer_bytes", 0, 2, 1, ap, al)).toBe(Status.BAD_ARGUMENT);
    expect(s.call("call_proxy_set_buffer_bytes", 0, 0, 4, ap, al)).toBe(Status.OK); // drain 4, prepend
    expect(s.call("call_proxy_get_buffer_bytes", 0, 0, 100, OUT, OUT + 4)).toBe(Status.OK);
    expect(outString(w)).toBe("ABlloAB");
    expect(s.call("call_proxy_continue_stream", 0)).toBe(Status.OK);
    expect(new TextDecoder().decode(p.result.upstreamRequest!.body)).toBe("ABlloAB");
  });
});

describe("properties (envoy context.cc getProperty, attributes.rst)", () => {
  test("plugin_* and request.* derived from headers; per-request values; NUL-separated paths", async () => {
    const host = await probeHost({ rootId: "traffic", properties: { "xds.cluster_name": "c1" } }, { reqHeadersAction: 1 });
    const w = host.workers[0]!;
    const p = host.send({
      headers: { ":path": "/a?b=1", ":method": "GET", ":authority": "h", ":scheme": "https", "x-m": "1", "X-M": "2" },
      properties: { "destination.port": 8080n, "connection\u0000requested_server_name": "sni", "t": true },
    });
    const s = w.contexts.get(p.contextId)!.stream!;
    const get = (path: string) => {
      const [[pp, pl]] = put(w, path) as [[number, number]];
      const st = s.call("call_proxy_get_property", pp, pl, OUT, OUT + 4);
      return st === Status.OK ? outBytes(w) : st;
    };
    const str = (path: string) => new TextDecoder().decode(get(path) as Uint8Array);
    expect(str("plugin_root_id")).toBe("traffic");
    expect(str("request\0path")).toBe("/a?b=1");
    expect(str("request\0url_path")).toBe("/a");
    expect(str("request\0method")).toBe("GET");
    expect(str("request\0host")).toBe("h");
    expect(str("request\0scheme")).toBe("https");
    expect(str("request\0headers\0x-m")).toBe("1,2");
    expect(str("connection\0requested_server_name")).toBe("sni");
    expect(str("xds\0cluster_name")).toBe("c1");
    expect(dv(get("destination\0port") as Uint8Array).getBigInt64(0, true)).toBe(8080n);
    expect(Array.from(get("t") as Uint8Array)).toEqual([1]);
    expect(get("request.path")).toBe(Status.NOT_FOUND);
    expect(get("upstream\0address")).toBe(Status.NOT_FOUND);
    expect(p.result.propertyReads).toContain("destination.port");
  });

  test("upstream.address and response.code once the upstream answered", async () => {
    const host = await probeHost({}, { respHeadersAction: 1 });
    const w = host.workers[0]!;
    const p = host.send({ headers: { ":path": "/" }, upstream: { status: 503, address: "10.0.0.5:8080" } });
    const s = w.contexts.get(p.contextId)!.stream!;
    const [[a, al], [c, cl]] = put(w, "upstream\0address", "response\0code") as Array<[number, number]>;
    expect(s.call("call_proxy_get_property", a, al, OUT, OUT + 4)).toBe(Status.OK);
    expect(outString(w)).toBe("10.0.0.5:8080");
    expect(s.call("call_proxy_get_property", c, cl, OUT, OUT + 4)).toBe(Status.OK);
    expect(dv(outBytes(w)).getBigInt64(0, true)).toBe(503n);
  });
});

describe("context and stream control", () => {
  test("set_effective_context: unknown id BAD_ARGUMENT, known OK", async () => {
    const host = await probeHost();
    const w = host.workers[0]!;
    expect(w.call("call_proxy_set_effective_context", 77)).toBe(Status.BAD_ARGUMENT);
    expect(w.call("call_proxy_set_effective_context", 1)).toBe(Status.OK);
  });
  test("continue_stream: DOWNSTREAM OK (nothing resumed), UPSTREAM UNIMPLEMENTED, unknown BAD_ARGUMENT; close_stream resets (as Envoy 1.36.4 answered test/harness-envoy)", async () => {
    const host = await probeHost({}, { reqHeadersAction: 1 });
    const w = host.workers[0]!;
    const p = host.send({ headers: { ":path": "/" } });
    const s = w.contexts.get(p.contextId)!.stream!;
    expect(s.call("call_proxy_continue_stream", 2)).toBe(Status.OK);
    expect(p.done).toBe(false);
    expect(s.call("call_proxy_continue_stream", 3)).toBe(Status.UNIMPLEMENTED);
    expect(s.call("call_proxy_continue_stream", 9)).toBe(Status.BAD_ARGUMENT);
    expect(s.call("call_proxy_close_stream", 0)).toBe(Status.OK);
    expect(p.result).toMatchObject({ completed: true, reset: true, response: null });
  });
  test("proxy_done without a pending on_done ⇒ NOT_FOUND", async () => {
    const host = await probeHost();
    expect(host.workers[0]!.call("call_proxy_done")).toBe(Status.NOT_FOUND);
  });
  test("foreign functions: clear_route_cache recorded, unknown NOT_FOUND", async () => {
    const host = await probeHost({}, { reqHeadersAction: 1 });
    const w = host.workers[0]!;
    const p = host.send({ headers: { ":path": "/" } });
    const s = w.contexts.get(p.contextId)!.stream!;
    const [[n, nl], [u, ul]] = put(w, "clear_route_cache", "nope") as Array<[number, number]>;
    expect(s.call("call_proxy_call_foreign_function", n, nl, 0, 0, OUT, OUT + 4)).toBe(Status.OK);
    expect(s.call("call_proxy_call_foreign_function", u, ul, 0, 0, OUT, OUT + 4)).toBe(Status.NOT_FOUND);
    expect(p.result.foreignCalls).toEqual(["clear_route_cache"]);
    expect(p.result.routeCacheCleared).toBe(true);
  });
});

describe("metrics (envoy context.cc defineMetric/incrementMetric/recordMetric/getMetric)", () => {
  test("ids carry the type; counter delta <= 0 BAD_ARGUMENT; record on counter adds; histogram get BAD_ARGUMENT", async () => {
    const host = await probeHost();
    const w = host.workers[0]!;
    const [[n, nl], [g, gl], [h, hl]] = put(w, "reqs", "inflight", "lat") as Array<[number, number]>;
    expect(w.call("call_proxy_define_metric", 0, n, nl, OUT)).toBe(Status.OK);
    const c = w.readU32(OUT);
    expect(c).toBe(4);
    expect(w.call("call_proxy_define_metric", 1, g, gl, OUT)).toBe(Status.OK);
    const gid = w.readU32(OUT);
    expect(w.call("call_proxy_define_metric", 2, h, hl, OUT)).toBe(Status.OK);
    const hid = w.readU32(OUT);
    expect(w.call("call_proxy_define_metric", 3, h, hl, OUT)).toBe(Status.BAD_ARGUMENT);
    expect(w.call("call_proxy_increment_metric", c, 0n)).toBe(Status.BAD_ARGUMENT);
    expect(w.call("call_proxy_increment_metric", c, -1n)).toBe(Status.BAD_ARGUMENT);
    expect(w.call("call_proxy_increment_metric", c, 2n)).toBe(Status.OK);
    expect(w.call("call_proxy_record_metric", c, 3n)).toBe(Status.OK);
    expect(host.metric("reqs")).toMatchObject({ type: "counter", value: 5n });
    expect(w.call("call_proxy_increment_metric", gid, -2n)).toBe(Status.OK);
    expect(w.call("call_proxy_record_metric", gid, 7n)).toBe(Status.OK);
    expect(w.call("call_proxy_get_metric", gid, OUT)).toBe(Status.OK);
    expect(w.readU64(OUT)).toBe(7n);
    expect(w.call("call_proxy_increment_metric", hid, 1n)).toBe(Status.BAD_ARGUMENT);
    expect(w.call("call_proxy_record_metric", hid, 12n)).toBe(Status.OK);
    expect(w.call("call_proxy_get_metric", hid, OUT)).toBe(Status.BAD_ARGUMENT);
    expect(w.call("call_proxy_get_metric", 1000, OUT)).toBe(Status.NOT_FOUND);
    expect(host.metric("lat")).toMatchObject({ type: "histogram", samples: [12n] });
  });
});
