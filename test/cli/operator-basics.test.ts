// What an operator meets first in `gatewasm compile` (issue 12 items 1, 2 and 8), built from the
// YAML of the public Istio tutorials in test/fixtures/tutorials/.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { main, type Io } from "../../host/cli/main.ts";
import { compileInputs } from "../../host/pipeline.ts";
import { ROOT } from "../support/test-module.ts";

function run(args: string[], stdin = ""): { code: Promise<number>; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  const io: Io = { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, stdin: () => stdin };
  return { code: main(args, io), out: () => out, err: () => err };
}

const TUTORIALS = join(ROOT, "test/fixtures/tutorials");
const tutorial = (name: string) => join(TUTORIALS, name);
const INGRESS_SERVICE = tutorial("ingressgateway-service.yaml");

describe("the gateway's own Service (kubectl get svc -n istio-system istio-ingressgateway -o yaml)", () => {
  // Istio: a Service fronts a pod when its selector is a subset of the pod's labels
  // (pilot/pkg/serviceregistry/kube/controller/util.go getPodServices, labels.Instance.Match).
  // The real Service selects app=istio-ingressgateway,istio=ingressgateway; the pods carry both, and
  // the default --selector istio=ingressgateway names one of them.
  it("is recognised for the default --selector istio=ingressgateway: listeners bind its targetPorts (80 → 8080, 443 → 8443)", () => {
    // Both tutorials on one gateway: the secure one's VirtualService renamed (both are "httpbin").
    const secure = readFileSync(tutorial("secure-ingress-httpbin.yaml"), "utf8").replace("name: httpbin\n", "name: httpbin-secure\n");
    const inputs = [{ path: tutorial("ingress-httpbin.yaml") }, { name: "secure.yaml", text: secure }, { path: tutorial("httpbin-service.yaml") }];
    const r = compileInputs([...inputs, { path: INGRESS_SERVICE }]);
    expect(r.diagnostics.filter((d) => d.severity === "error" || /pass it with -f|no Service of the gateway/.test(d.message))).toEqual([]);
    expect(r.compiled!.config.routeTables.map((t) => [t.name, t.port, t.listenerPort])).toEqual([
      ["http.8080", 80, 8080],
      ["https.443.https.mygateway.default", 443, 8443],
    ]);
    // Without it, the same inputs get the warning that asks for it.
    const without = compileInputs(inputs);
    expect(without.diagnostics.some((d) => d.severity === "warning" && /pass it with -f/.test(d.message))).toBe(true);
    // A Service whose selector disagrees with the workload's labels is not the gateway's.
    const egress = readFileSync(INGRESS_SERVICE, "utf8").replaceAll("ingressgateway", "egressgateway");
    const other = compileInputs([...inputs, { name: "egress-svc.yaml", text: egress }]);
    expect(other.compiled!.config.routeTables.map((t) => t.listenerPort)).toEqual([undefined, undefined]);
  });

  it("its selector labels are labels the pod carries: a Gateway selecting app=istio-ingressgateway applies too", () => {
    const gw = readFileSync(tutorial("ingress-httpbin.yaml"), "utf8").replace("istio: ingressgateway # use Istio default gateway implementation", "app: istio-ingressgateway");
    const withService = compileInputs([{ name: "gw.yaml", text: gw }, { path: INGRESS_SERVICE }]);
    expect(withService.compiled!.config.routeTables.map((t) => t.name)).toEqual(["http.8080"]);
    const without = compileInputs([{ name: "gw.yaml", text: gw }]);
    expect(without.compiled!.config.routeTables).toEqual([]);
  });
});

describe("an empty or partial input cannot produce a filter that answers for hosts it was not told about", () => {
  const dir = mkdtempSync(join(tmpdir(), "gatewasm-empty-"));
  const empty = join(dir, "empty.yaml");
  writeFileSync(empty, "");
  const txt = join(dir, "txt");
  mkdirSync(txt);
  writeFileSync(join(txt, "notes.txt"), "kind: Gateway\n");
  writeFileSync(join(txt, "readme.txt"), "hello\n");

  const cases: Array<[string, string[], RegExp]> = [
    ["an empty file", ["-f", empty], /nothing to route: the inputs hold no Kubernetes object/],
    ["a folder of .txt", ["-f", txt], /nothing to route: the inputs hold no Kubernetes object/],
    ["a wrong selector", ["-f", tutorial("ingress-httpbin.yaml"), "--selector", "istio=ingress"],
      /nothing to route: no Gateway selects the workload --selector istio=ingress \(the Gateways given select istio=ingressgateway\)/],
    ["an AUTO_PASSTHROUGH-only gateway (the multi-cluster tutorial)", ["-f", tutorial("multicluster-cross-network.yaml"), "--selector", "istio=eastwestgateway"],
      /nothing to route: the selected Gateways have only TLS passthrough or TCP servers/],
  ];
  for (const [what, args, message] of cases) {
    it(`${what}: compile exits 1, says why and writes nothing; --allow-empty emits it with a warning`, async () => {
      const out = join(mkdtempSync(join(tmpdir(), "gatewasm-empty-out-")), "out");
      const r = run(["compile", ...args, "-o", out]);
      expect(await r.code).toBe(1);
      expect(r.err()).toMatch(message);
      expect(r.err()).toMatch(/404 for every host.*pass --allow-empty/);
      expect(existsSync(out)).toBe(false);
      const allowed = run(["compile", ...args, "--allow-empty"]);
      expect(await allowed.code).toBe(0);
      expect(allowed.err()).toMatch(/warning: nothing to route/);
      expect(parse(allowed.out()).kind).toBe("EnvoyFilter");
    });
  }

  it("a folder without YAML says so", async () => {
    const r = run(["compile", "-f", txt]);
    await r.code;
    expect(r.err()).toMatch(/txt:1:1 .*warning: no \*\.yaml, \*\.yml or \*\.json file in this folder \(2 other files skipped\)/);
  });
});

describe("CLI basics", () => {
  it("every command's --help exits 0 with its usage, naming --wasm-path and --name", async () => {
    const compile = run(["compile", "--help"]);
    expect(await compile.code).toBe(0);
    expect(compile.out()).toMatch(/^usage: gatewasm compile/);
    for (const flag of ["--wasm-path", "--name", "--rollout", "--allow-empty", "-n, --namespace", "--selector", "-o, --output"]) expect(compile.out()).toContain(flag);
    const simulate = run(["simulate", "-h"]);
    expect(await simulate.code).toBe(0);
    expect(simulate.out()).toMatch(/^usage: gatewasm simulate/);
    for (const flag of ["-H, --header", "--port", "--json", "--repeat", "--seed"]) expect(simulate.out()).toContain(flag);
    const top = run(["--help"]);
    expect(await top.code).toBe(0);
    expect(top.out()).toContain("gatewasm compile");
    const none = run([]);
    expect(await none.code).toBe(1);
  });

  it("--version prints the package version", async () => {
    const r = run(["--version"]);
    expect(await r.code).toBe(0);
    const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    expect(r.out()).toBe(`gatewasm ${version}\n`);
  });

  it("-n/--namespace sets the namespace of documents without one (kubectl apply -n)", async () => {
    // The ingress tutorial's YAML sets no namespace; applied with -n web, its short host httpbin
    // resolves in web (ResolveShortnameToFQDN, pilot/pkg/model/config.go).
    const r = compileInputs([{ path: tutorial("ingress-httpbin.yaml") }, { path: tutorial("httpbin-service.yaml") }], undefined, { defaultNamespace: "web" });
    const vhost = r.compiled!.config.routeTables[0]!.virtualHosts[0]!;
    expect(vhost.routes[0]!.virtualService).toBe("web/httpbin");
    const action = vhost.routes[0]!.action;
    expect(action.kind === "route" && action.destinations[0]!.cluster).toBe("outbound|8000||httpbin.web.svc.cluster.local");
    const cli = run(["simulate", "-f", tutorial("ingress-httpbin.yaml"), "-f", tutorial("httpbin-service.yaml"), "-n", "web", "--json", "GET", "http://httpbin.example.com/status/200"]);
    expect(await cli.code).toBe(0);
    expect(JSON.parse(cli.out()).cluster).toBe("outbound|8000||httpbin.web.svc.cluster.local");
    const bad = run(["compile", "-f", tutorial("ingress-httpbin.yaml"), "-n", "Not_A_Namespace"]);
    expect(await bad.code).toBe(1);
    expect(bad.err()).toMatch(/-n\/--namespace: "Not_A_Namespace" is not a namespace name/);
  });

  it("the ingress and the egress EnvoyFilters get distinct default names, so applying one does not replace the other", async () => {
    const ingress = run(["compile", "-f", tutorial("ingress-httpbin.yaml"), "-f", INGRESS_SERVICE]);
    const egress = run(["compile", "-f", tutorial("egress-tls-origination.yaml"), "--selector", "istio=egressgateway"]);
    expect(await ingress.code).toBe(0);
    expect(await egress.code).toBe(0);
    expect(parse(ingress.out()).metadata).toEqual({ name: "gatewasm-ingressgateway", namespace: "istio-system" });
    expect(parse(egress.out()).metadata).toEqual({ name: "gatewasm-egressgateway", namespace: "istio-system" });
    const named = run(["compile", "-f", tutorial("ingress-httpbin.yaml"), "--name", "edge-routing"]);
    expect(await named.code).toBe(0);
    expect(parse(named.out()).metadata.name).toBe("edge-routing");
  });

  it("binary input gives one short error per file, not escaped bytes", async () => {
    const r = run(["compile", "-f", join(ROOT, "build/gatewasm.wasm")]);
    expect(await r.code).toBe(1);
    const lines = r.err().trim().split("\n");
    expect(lines[0]).toMatch(/gatewasm\.wasm:1:1  -  -  not a text file \(invalid UTF-8 or NUL bytes\): expected YAML or JSON$/);
    expect(r.err().length).toBeLessThan(600);
    const stdin = run(["compile", "-f", "-"], "apiVersion: v1\u0000\u0001");
    expect(await stdin.code).toBe(1);
    expect(stdin.err()).toMatch(/<stdin>:1:1  -  -  not a text file/);
  });
});

describe("a VirtualService that misses its Gateway is reported at the VirtualService (issue 12 item 9)", () => {
  // The ingress tutorial's YAML with the VirtualService's host mistyped (.org for .com), and a
  // second copy bound to a misspelt gateway name.
  const text = readFileSync(tutorial("ingress-httpbin.yaml"), "utf8");
  const lineOf = (t: string, needle: string, from = 0) => t.slice(0, t.indexOf(needle, from)).split("\n").length;

  it("hosts that intersect no server host of the Gateway: a warning at spec.hosts naming the Gateway's hosts", () => {
    const vsStart = text.indexOf("kind: VirtualService");
    const wrong = text.slice(0, vsStart) + text.slice(vsStart).replace('- "httpbin.example.com"', '- "httpbin.example.org"');
    const r = compileInputs([{ name: "ingress.yaml", text: wrong }, { path: tutorial("httpbin-service.yaml") }]);
    const d = r.diagnostics.find((x) => x.kind === "VirtualService" && x.field === "spec.hosts")!;
    expect(d).toMatchObject({ severity: "warning", name: "httpbin", location: { file: "ingress.yaml", line: lineOf(wrong, '- "httpbin.example.org"'), col: 3 } });
    expect(d.message).toBe("hosts httpbin.example.org match no host of Gateway default/httpbin-gateway (its servers' hosts: httpbin.example.com): this VirtualService serves nothing through it");
    // The tutorial as written gets no such warning.
    expect(compileInputs([{ path: tutorial("ingress-httpbin.yaml") }]).diagnostics.filter((x) => x.field === "spec.hosts")).toEqual([]);
  });

  it("a namespace-scoped server host (ns/host) counts only for VirtualServices of that namespace", () => {
    const scoped = text.replace('    - "httpbin.example.com"\n---', '    - "web/httpbin.example.com"\n---');
    const d = compileInputs([{ name: "ingress.yaml", text: scoped }]).diagnostics.find((x) => x.field === "spec.hosts")!;
    expect(d.message).toMatch(/its servers' hosts: web\/httpbin.example.com\) \(web\/httpbin.example.com only for VirtualServices of those namespaces\)/);
  });

  it("an unknown gateway name gets a did-you-mean with the nearest existing Gateway, at spec.gateways[i]", () => {
    const typo = text.replace("  - httpbin-gateway\n", "  - httpbin-gatway\n");
    const r = compileInputs([{ name: "ingress.yaml", text: typo }], undefined, { emptyRouting: "warning" });
    const d = r.diagnostics.find((x) => x.field === "spec.gateways[0]")!;
    expect(d).toMatchObject({ kind: "VirtualService", name: "httpbin", location: { line: lineOf(typo, "  - httpbin-gatway"), col: 5 } });
    expect(d.message).toBe("Gateway default/httpbin-gatway does not exist: this binding has no effect; did you mean default/httpbin-gateway?");
    // The right name in the wrong namespace is suggested too; an unrelated name is not.
    const ns = text.replace("  - httpbin-gateway\n", "  - istio-system/httpbin-gateway\n");
    expect(compileInputs([{ name: "i.yaml", text: ns }]).diagnostics.find((x) => x.field === "spec.gateways[0]")!.message).toMatch(/did you mean default\/httpbin-gateway\?$/);
    const far = text.replace("  - httpbin-gateway\n", "  - payments\n");
    expect(compileInputs([{ name: "i.yaml", text: far }]).diagnostics.find((x) => x.field === "spec.gateways[0]")!.message).toBe("Gateway default/payments does not exist: this binding has no effect");
  });
});
