// Issue 9 reproducers 2 and 3: validated configurations that used to hang or trap the VM, and
// the invariants of docs/config-format.md "Invariants" one by one (each mutation below breaks
// exactly one and must be refused, the previous configuration serving on).
import { describe, expect, it } from "vitest";
import { GATEWASM_PRESET, ProxyWasmHost } from "../../host/harness/index.ts";
import { encodeFilterConfig } from "../../host/config/encode.ts";
import { G, NONE, RouteF, Section, TrieF, VHostF } from "../../host/config/layout.ts";
import type { Route } from "../../host/config/model.ts";
import { GET, forwardRoute, singleHostConfig } from "../support/configs.ts";
import { WASM } from "../fuzz/module.ts";
import { Blob } from "../fuzz/blob.ts";

const A = "outbound|80||a.ns.svc.cluster.local";
const get = (path: string): Array<[string, string]> => GET.map(([k, v]) => [k, k === ":path" ? path : v]);

function prefixRewrite(prefix: string, rewrite: string): Route {
  const r = forwardRoute(A, { path: { kind: "prefix", value: prefix, ignoreCase: false } });
  if (r.action.kind === "route") r.action.rewriteUri = rewrite;
  return r;
}

async function refusedAndServing(good: Uint8Array, bad: Uint8Array, reason: RegExp): Promise<ProxyWasmHost> {
  const host = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: good });
  expect(host.configured).toEqual([true]);
  expect(host.configure(bad)).toEqual([false]);
  expect(host.logsAt("error").at(-1)).toMatch(reason);
  expect(host.isFailed()).toBe(false);
  return host;
}

describe("issue 9.2: a route whose stored path length disagrees with its trie path is refused (no wrong rewrite, no hang)", () => {
  const good = encodeFilterConfig(singleHostConfig([prefixRewrite("/api", "/v2/")]));
  it.each([["longer than its trie path (10 > 4)", 10], ["shorter than its trie path (2 < 4)", 2]])("prefix length %s", async (_name, len) => {
    const bad = new Blob(good).set(Section.Routes, 0, RouteF.PathLen, len).bytes;
    const host = await refusedAndServing(good, bad, /configuration refused: virtual host 0: bad prefix trie/);
    // The short request that used to underflow the rewrite length and spin, and a long one.
    for (const [path, rewritten] of [["/a", null], ["/api", "/v2/"], ["/api/x?q=1", "/v2//x?q=1"]] as const) {
      const r = host.request({ headers: get(path) });
      expect(r.completed).toBe(true);
      expect(r.upstreamRequest?.headers.find(([k]) => k === ":path")?.[1] ?? null).toBe(rewritten);
    }
  });
});

describe("issue 9.3: a virtual host whose route count is below what its index yields is refused (no overrun, no trap)", () => {
  it("300 `prefix: /` routes with the count changed to 1", async () => {
    const routes = Array.from({ length: 300 }, (_, i) => forwardRoute(`outbound|80||s${i}.ns.svc.cluster.local`));
    const good = encodeFilterConfig(singleHostConfig(routes));
    const bad = new Blob(good).set(Section.VHosts, 0, VHostF.RouteCount, 1).bytes;
    const host = await refusedAndServing(good, bad, /configuration refused: virtual host 0: bad prefix trie/);
    const r = host.request({ headers: GET });
    expect(r.upstreamRequest?.headers.find(([k]) => k === "x-gatewasm-cluster")?.[1]).toBe("outbound|80||s0.ns.svc.cluster.local");
    // The good configuration is still accepted afterwards (the VM did not fail).
    expect(host.configure(encodeFilterConfig(singleHostConfig(routes.slice(1))))).toEqual([true]);
  });
});

describe("validateConfig checks each invariant of docs/config-format.md", () => {
  const base = singleHostConfig([
    forwardRoute(A, { path: { kind: "prefix", value: "/p", ignoreCase: false } }),
    forwardRoute(A, { path: { kind: "exact", value: "/e", ignoreCase: false } }),
    forwardRoute(A, { path: { kind: "exact", value: "/I", ignoreCase: true } }),
    forwardRoute(A, { path: { kind: "prefix", value: "/Q", ignoreCase: true } }),
    forwardRoute(A, { path: null }),
  ]);
  const good = encodeFilterConfig(base);
  const blob = () => new Blob(good);
  const trieRoot = blob().get(Section.VHosts, 0, VHostF.TrieRoot);
  const cases: Array<[string, (b: Blob) => Blob, RegExp]> = [
    ["the cluster header has a name", (b) => b.setGlobal(G.ClusterHeaderLen, 0), /bad cluster header name/],
    ["a route reached twice from its host's index (candidates ≤ route count)", (b) => b.set(Section.VHosts, 0, VHostF.RouteCount, 4), /virtual host 0/],
    ["every route of the host is in its path index", (b) => b.set(Section.VHosts, 0, VHostF.OtherList, NONE), /route 4 is not in the path index/],
    ["an exact route stored as a prefix route", (b) => b.set(Section.Routes, 1, RouteF.PathKind, 2), /bad path index/],
    ["a prefix route in the ignore-case trie with the case-sensitive flag", (b) => b.set(Section.Routes, 3, RouteF.IgnoreCase, 0), /bad prefix trie/],
    ["a prefix route in the other list", (b) => b.set(Section.Routes, 4, RouteF.PathKind, 2).set(Section.Routes, 4, RouteF.PathOff, b.get(Section.Routes, 0, RouteF.PathOff)).set(Section.Routes, 4, RouteF.PathLen, 2), /outside the path index/],
    ["a trie root with a sibling", (b) => b.set(Section.TrieNodes, trieRoot, TrieF.NextSibling, trieRoot + 1), /bad prefix trie|bad link/],
    ["a backward trie link (acyclic walks)", (b) => b.set(Section.TrieNodes, trieRoot + 1, TrieF.FirstChild, trieRoot), /bad link/],
    ["a regex rewrite without substitution", (b) => b.set(Section.Routes, 0, RouteF.RewriteRegexOff, b.get(Section.Routes, 0, RouteF.PathOff)), /bad rewrite regex|without substitution/],
  ];
  it.each(cases)("refused: %s", async (_name, mutate, reason) => {
    await refusedAndServing(good, mutate(blob()).bytes, reason);
  });
});

describe("header names the filter writes (G: cluster and policy headers)", () => {
  // The encoder lower-cases the names; the bytes are written over the virtual host's name
  // ("a.example.com:80", 16 bytes) and the global pointed at them.
  it.each([["upper case", "X-Cluster"], ["a pseudo-header name", ":authority"], ["a space", "x cluster"], ["the policy header's name", "x-gatewasm-policy"]])(
    "a cluster header name with %s is refused", async (_name, header) => {
      const good = encodeFilterConfig(singleHostConfig([forwardRoute(A)]));
      const b = new Blob(good);
      const text = new TextEncoder().encode(header);
      const at = b.get(Section.VHosts, 0, VHostF.NameOff);
      b.bytes.set(text, b.section(Section.Strings).offset + at);
      b.setGlobal(G.ClusterHeaderOff, at).setGlobal(G.ClusterHeaderLen, text.length);
      await refusedAndServing(good, b.bytes, /bad cluster header name|same name/);
    });
});
