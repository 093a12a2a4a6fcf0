// The `gatewasm` command as a user runs it: every error in one run with its position, exit 1,
// nothing written; outputs of compile and simulate (README "The gatewasm command").
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { main, type Io } from "../../host/cli/main.ts";
import { ROOT } from "../support/test-module.ts";

function run(args: string[], stdin = ""): { code: Promise<number>; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  const io: Io = { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, stdin: () => stdin };
  return { code: main(args, io), out: () => out, err: () => err };
}

const EXAMPLE = join(ROOT, "examples/storefront");

describe("gatewasm compile", () => {
  it("reports every error of every file in one run (file:line:col  kind ns/name  field  message), exits 1 and writes nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gatewasm-cli-"));
    writeFileSync(join(dir, "a.yaml"), `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: bad-weight, namespace: shop}
spec:
  hosts: [shop.example.com]
  gateways: [shop-gateway]
  http:
  - route:
    - destination: {host: frontend}
      weight: "x"
`);
    writeFileSync(join(dir, "b.yaml"), `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: shop}
spec:
  servers:
  - port: {number: 70000, name: http, protocol: HTTP}
    hosts: ["shop.example.com"]
---
kind: [unclosed
`);
    const out = join(dir, "out");
    const r = run(["compile", "-f", dir, "-o", out]);
    expect(await r.code).toBe(1);
    const lines = r.err().trim().split("\n");
    expect(lines.some((l) => /a\.yaml:10:\d+  VirtualService shop\/bad-weight  spec\.http\[0\]\.route\[0\]\.weight  /.test(l))).toBe(true);
    expect(lines.some((l) => /b\.yaml:6:\d+  Gateway shop\/gw  spec\.servers\[0\]\.port\.number  /.test(l))).toBe(true);
    // The YAML syntax error (the unclosed flow sequence ends at the end of the file), same run.
    expect(lines.some((l) => /b\.yaml:10:1  -  -  invalid YAML: /.test(l))).toBe(true);
    expect(r.err()).toMatch(/nothing was written/);
    expect(existsSync(out)).toBe(false);
  });

  // Istio validates regexes with RE2 syntax (pkg/config/validation); the filter's automaton has a
  // program-size bound (Istio's bootstrap sets re2.max_program_size.error_level 32768).
  it("a regex RE2 rejects, or one too large for the automaton, fails the compile naming the resource and field", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gatewasm-cli-"));
    writeFileSync(join(dir, "rx.yaml"), `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: rx, namespace: shop}
spec:
  hosts: [shop.example.com]
  gateways: [shop-gateway]
  http:
  - match:
    - uri: {regex: '/(a)\\1'}
    route:
    - destination: {host: frontend}
  - match:
    - headers:
        x-big: {regex: '\\pL{900}'}
    route:
    - destination: {host: frontend}
`);
    const out = join(dir, "out");
    const r = run(["compile", "-f", EXAMPLE, "-f", dir, "-o", out]);
    expect(await r.code).toBe(1);
    expect(r.err()).toMatch(/rx\.yaml:9:\d+  VirtualService shop\/rx  spec\.http\[0\]\.match\[0\]\.uri\.regex  .*invalid escape/);
    expect(r.err()).toMatch(/rx\.yaml:14:\d+  VirtualService shop\/rx  spec\.http\[1\]\.match\[0\]\.headers\.x-big\.regex  .*too large/);
    expect(existsSync(out)).toBe(false);
  });

  it("prints an EnvoyFilter for the example to stdout", async () => {
    const r = run(["compile", "-f", EXAMPLE]);
    expect(await r.code).toBe(0);
    const ef = parse(r.out());
    expect(ef.kind).toBe("EnvoyFilter");
    expect(ef.metadata).toEqual({ name: "gatewasm-ingressgateway", namespace: "istio-system" });
    expect(ef.spec.workloadSelector.labels).toEqual({ istio: "ingressgateway" });
  });

  it("-o DIR writes the EnvoyFilter, the readable decisions and the binary configuration", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "gatewasm-cli-")), "out");
    const ok = run(["compile", "-f", EXAMPLE, "-o", out]);
    expect(await ok.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["envoyfilter.yaml", "filter-config.bin", "filter-config.json", "filter-config.yaml"]);
    expect(parse(readFileSync(join(out, "filter-config.yaml"), "utf8")).routeTables.map((t: { name: string }) => t.name))
      .toEqual(["http.8080", "https.443.https.shop-gateway.shop"]);
  });

  it("a workload no Gateway selects is an error for compile (the filter would 404 every host), a warning with --allow-empty", async () => {
    const r = run(["compile", "-f", EXAMPLE, "--selector", "app=edge", "--gateway-namespace", "edge"]);
    expect(await r.code).toBe(1);
    expect(r.err()).toMatch(/nothing to route: no Gateway selects the workload --selector app=edge \(the Gateways given select istio=ingressgateway\).*--allow-empty/);
    const allowed = run(["compile", "-f", EXAMPLE, "--selector", "app=edge", "--gateway-namespace", "edge", "--allow-empty"]);
    expect(await allowed.code).toBe(0);
    expect(allowed.err()).toMatch(/warning: .*no Gateway/i);
    expect(allowed.err()).toMatch(/warning: nothing to route/);
  });

  it("reads stdin with -f -", async () => {
    const all = readdirSync(EXAMPLE).sort().map((f) => readFileSync(join(EXAMPLE, f), "utf8")).join("\n---\n");
    const r = run(["compile", "-f", "-"], all);
    expect(await r.code).toBe(0);
    expect(parse(r.out()).kind).toBe("EnvoyFilter");
  });
});

describe("gatewasm simulate", () => {
  it("--json prints the decision object", async () => {
    const r = run(["simulate", "-f", EXAMPLE, "--json", "-H", "x-shop-canary: always", "GET", "https://shop.example.com/"]);
    expect(await r.code).toBe(0);
    const d = JSON.parse(r.out());
    expect(d).toMatchObject({ action: "route", cluster: "outbound|8000|v2|frontend.shop.svc.cluster.local", virtualService: "shop/storefront", routeName: "frontend-test", delayMs: 0 });
    expect(d.request[":authority"]).toBe("shop.example.com");
    expect(d.request["x-gatewasm-cluster"]).toBeUndefined();
  });

  it("--repeat N counts clusters and actions (seeded: the same seed gives the same counts)", async () => {
    const args = ["simulate", "-f", EXAMPLE, "--repeat", "2000", "--seed", "11", "--json", "GET", "https://shop.example.com/"];
    const a = run(args);
    expect(await a.code).toBe(0);
    const first = JSON.parse(a.out());
    expect(first.actions).toEqual({ route: 2000 });
    const v2 = first.clusters["outbound|8000|v2|frontend.shop.svc.cluster.local"];
    expect(Math.abs(v2 / 2000 - 0.1)).toBeLessThan(0.03);
    const b = run(args);
    await b.code;
    expect(JSON.parse(b.out())).toEqual(first);
  });

  it("explains the decision in text without --json", async () => {
    const r = run(["simulate", "-f", EXAMPLE, "GET", "https://shop.example.com/catalog/x"]);
    expect(await r.code).toBe(0);
    expect(r.out()).toContain("matched rule old-catalog of VirtualService shop/storefront");
    expect(r.out()).toContain("location: https://shop.example.com/products");
  });

  it("usage errors exit 1 with a message", async () => {
    for (const args of [["simulate", "-f", EXAMPLE, "GET"], ["simulate", "-f", EXAMPLE, "GET", "not a url"], ["compile"], ["frobnicate"]]) {
      const r = run(args);
      expect(await r.code, args.join(" ")).toBe(1);
      expect(r.err()).not.toBe("");
    }
  });
});
