// The five public Istio tutorials of issue 12, as an operator runs them: their YAML
// (test/fixtures/tutorials/, each naming its tutorial) compiled for the gateway the tutorial
// uses, and their curl lines through `simulate`, giving what the tutorial says the gateway does.
// HTTP requests are replayed through real Envoy with Istio's configuration (itAgreesThreeWays);
// the L4 ones (passthrough) are checked against the filter chains Istio's translator builds.
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { IstioXds } from "../../conformance/istio/client.ts";
import { workloadLabels } from "../../host/compiler/workload.ts";
import { compileInputs, type GatewayTarget } from "../../host/pipeline.ts";
import { loadResources } from "../../host/resources/load.ts";
import { Simulator } from "../../host/simulate/simulator.ts";
import { readFileSync } from "node:fs";
import { HAS_ISTIO_DATA, ISTIO_DATA, NO_ISTIO_DATA_NOTE } from "../resources/shared-data.ts";
import { judgesAbsent } from "../support/judges.ts";
import { itAgreesThreeWays } from "../support/three-way.ts";
import { ROOT, WASM, sender, simulatorFor } from "../support/simulate.ts";

const dir = join(ROOT, "test/fixtures/tutorials");
const file = (name: string) => ({ path: join(dir, name) });
const INGRESS: GatewayTarget = { selector: { istio: "ingressgateway" }, gatewayNamespace: "istio-system" };
const EASTWEST: GatewayTarget = { selector: { istio: "eastwestgateway" }, gatewayNamespace: "istio-system" };
const EGRESS: GatewayTarget = { selector: { istio: "egressgateway" }, gatewayNamespace: "istio-system" };

/** A simulator whose requests are not replayed through the judges (L4 cases never reach the harness). */
async function l4Simulator(names: string[], target: GatewayTarget) {
  const r = compileInputs(names.map(file), target);
  if (!r.compiled) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return { sim: await Simulator.create(r.compiled, { wasm: WASM }), diagnostics: r.diagnostics, compiled: r.compiled };
}

let istio: IstioXds | null = null;
afterAll(async () => { await istio?.close(); });

/** Istio's filter chains for a listener port: server names → the TCP proxy's cluster. */
async function istioChains(names: string[], target: GatewayTarget, port: number): Promise<Array<[string[], string]>> {
  istio ??= new IstioXds();
  const yaml = names.map((n) => readFileSync(join(dir, n), "utf8")).join("\n---\n");
  // The pod carries its Service's selector labels too (host/compiler/workload.ts).
  const labels = workloadLabels(loadResources([{ name: "case.yaml", text: yaml }]).resources, target.selector, target.gatewayNamespace);
  const r = await istio.translate({ yaml, labels, namespace: target.gatewayNamespace });
  const listeners = ((r.bootstrap as any)?.static_resources?.listeners ?? []) as Array<any>;
  const listener = listeners.find((l) => l.address?.socket_address?.port_value === port)!;
  return listener.filter_chains.map((fc: any) => [fc.filter_chain_match?.server_names ?? [],
    fc.filters.find((f: any) => f.name === "envoy.filters.network.tcp_proxy")?.typed_config?.cluster ?? ""]);
}

describe("Ingress Gateways (httpbin on port 80, curl -HHost:httpbin.example.com)", () => {
  const inputs = [file("ingress-httpbin.yaml"), file("httpbin-service.yaml"), file("ingressgateway-service.yaml")];
  it("/status/200 reaches httpbin; /headers gets 404; the Service's 80 → 8080 is the listener", async () => {
    const send = sender(await simulatorFor(inputs, INGRESS));
    const host: Array<[string, string]> = [["Host", "httpbin.example.com"]];
    const ok = send("HEAD", "http://203.0.113.7/status/200", { headers: host });
    expect(ok).toMatchObject({ action: "route", cluster: "outbound|8000||httpbin.default.svc.cluster.local", listener: { port: 80, listenerPort: 8080, kind: "http" } });
    expect(ok.request?.[":authority"]).toBe("httpbin.example.com");
    expect(send("GET", "http://203.0.113.7/headers", { headers: host })).toMatchObject({ action: "not_found", status: 404 });
    // Without the Host header curl sends the IP, which no server host names.
    expect(send("GET", "http://203.0.113.7/status/200")).toMatchObject({ action: "not_found", status: 404 });
  });
  it("a port with no listener says so (issue 12 item 5), instead of a 404", async () => {
    const send = sender(await simulatorFor(inputs, INGRESS));
    const r = send("GET", "http://203.0.113.7:443/status/200", { headers: [["Host", "httpbin.example.com"]] });
    expect(r).toMatchObject({ action: "no_listener", status: null, cluster: null, listener: null });
    expect(r.explanation.join("\n")).toMatch(/no listener on port 443.*\(listeners: 80\)/);
  });
  itAgreesThreeWays();
});

describe("Secure Gateways (SIMPLE TLS on 443 for httpbin.example.com)", () => {
  const inputs = [file("secure-ingress-httpbin.yaml"), file("httpbin-service.yaml"), file("ingressgateway-service.yaml")];
  it("https://httpbin.example.com:443/status/418 (curl --resolve) reaches httpbin over the port-443 listener", async () => {
    const send = sender(await simulatorFor(inputs, INGRESS));
    const r = send("GET", "https://httpbin.example.com:443/status/418");
    expect(r).toMatchObject({ action: "route", cluster: "outbound|8000||httpbin.default.svc.cluster.local", listener: { port: 443, listenerPort: 8443, kind: "https" } });
    expect(r.explanation[0]).toBe("route table https.443.https.mygateway.default, virtual host httpbin.example.com:443");
  });
  it("http://…:443/ reaches the TLS listener, which closes a plaintext connection; another SNI matches no filter chain", async () => {
    const send = sender(await simulatorFor(inputs, INGRESS));
    const plain = send("GET", "http://httpbin.example.com:443/status/418");
    expect(plain).toMatchObject({ action: "connection_closed", listener: { port: 443, kind: "https" } });
    expect(plain.explanation.join("\n")).toMatch(/only accepts TLS/);
    const other = send("GET", "https://other.example.com/status/418");
    expect(other.action).toBe("connection_closed");
    expect(other.explanation.join("\n")).toMatch(/no filter chain on port 443 matches SNI "other.example.com" \(server names: httpbin.example.com\)/);
  });
  itAgreesThreeWays();
});

describe("Ingress Gateway without TLS Termination (PASSTHROUGH to NGINX)", () => {
  const names = ["ingress-sni-passthrough.yaml", "ingressgateway-service.yaml"];
  it("compile warns at the PASSTHROUGH server and the tls route, with their positions", async () => {
    const { diagnostics } = await l4Simulator(names, INGRESS);
    const warnings = diagnostics.filter((d) => d.severity === "warning");
    expect(warnings.find((d) => d.kind === "Gateway")).toMatchObject({ name: "mygateway", field: "spec.servers[0]", location: { line: 28, col: 5 } });
    expect(warnings.find((d) => d.kind === "Gateway")!.message).toMatch(/port 443 is served without HTTP routing.*TLS PASSTHROUGH/);
    expect(warnings.find((d) => d.kind === "VirtualService")).toMatchObject({ name: "nginx", field: "spec.tls[0]", location: { line: 47, col: 5 } });
    expect(diagnostics.find((d) => d.code === "empty-routing")?.severity).toBe("warning");
  });
  it("https://nginx.example.com is passed through by SNI to the cluster Istio builds, as Istio's translator shows", async () => {
    const { sim } = await l4Simulator(names, INGRESS);
    const r = sim.send({ method: "GET", url: "https://nginx.example.com" });
    expect(r).toMatchObject({ action: "passthrough", cluster: "outbound|443||my-nginx.default.svc.cluster.local", listener: { port: 443, listenerPort: 8443, kind: "passthrough" }, status: null });
    expect(r.explanation.join("\n")).toMatch(/TLS passthrough by SNI "nginx.example.com".*\n.*VirtualService default\/nginx tls\[0\]/);
    expect(sim.send({ method: "GET", url: "https://other.example.com" }).action).toBe("connection_closed");
    if (judgesAbsent("passthrough filter chains against Istio", { istio: true })) return;
    expect(await istioChains(names, INGRESS, 8443)).toEqual([[["nginx.example.com"], r.cluster]]);
  });
});

describe("Multi-Primary on different networks (AUTO_PASSTHROUGH cross-network gateway)", () => {
  const names = ["multicluster-cross-network.yaml"];
  it("compiles to zero route tables with a warning saying so; a sidecar's SNI names the cluster it reaches", async () => {
    const { sim, diagnostics, compiled } = await l4Simulator(names, EASTWEST);
    expect(compiled.config.routeTables).toEqual([]);
    expect(diagnostics.find((d) => d.code === "empty-routing")!.message).toMatch(/only TLS passthrough or TCP servers.*compiled to 0 route tables with no virtual host/);
    expect(diagnostics.find((d) => d.kind === "Gateway")!.message).toMatch(/port 15443 .*AUTO_PASSTHROUGH/);
    const sni = "outbound_.5000_._.helloworld.sample.svc.cluster.local";
    const r = sim.send({ method: "GET", url: `https://${sni}:15443/hello` });
    expect(r).toMatchObject({ action: "passthrough", cluster: sni, listener: { port: 15443, listenerPort: 15443, kind: "auto_passthrough" } });
    expect(sim.send({ method: "GET", url: "https://helloworld.sample.svc.cluster.local:15443/hello" }).action).toBe("connection_closed");
    if (judgesAbsent("AUTO_PASSTHROUGH filter chains against Istio", { istio: true })) return;
    // One filter chain per service port, server name = cluster = outbound_.<port>_.<subset>_.<host>.
    const ours = compiled.l4![0]!.chains.map((c) => [c.serverNames, c.destinations[0]!.cluster]);
    const theirs = await istioChains(names, EASTWEST, 15443);
    expect(new Set(ours.map((c) => JSON.stringify(c)))).toEqual(new Set(theirs.map((c) => JSON.stringify(c))));
    for (const [server, cluster] of theirs) expect(server).toEqual([cluster]);
  });
});

describe("helloworld (a Flask app) on the ingress gateway", () => {
  it("curl http://$GATEWAY_URL/hello reaches helloworld:5000; other paths get 404", async () => {
    const send = sender(await simulatorFor([file("helloworld-gateway.yaml"), file("ingressgateway-service.yaml")], INGRESS));
    expect(send("GET", "http://203.0.113.7/hello")).toMatchObject({ action: "route", cluster: "outbound|5000||helloworld.default.svc.cluster.local" });
    expect(send("GET", "http://203.0.113.7/env")).toMatchObject({ action: "not_found", status: 404 });
  });
  itAgreesThreeWays();
});

// The egress gateway's port 80 server is ISTIO_MUTUAL: only a client with an Istio certificate
// (the sidecar) gets through, so the request is not replayed through Envoy; the cluster Istio
// builds is compared instead.
describe("Egress Gateways with TLS Origination (edition.cnn.com)", () => {
  it("the sidecar's mTLS request on port 80 goes to edition.cnn.com:443, and the note says Envoy's cluster originates TLS (tls.mode SIMPLE)", async () => {
    const { sim } = await l4Simulator(["egress-tls-origination.yaml"], EGRESS);
    const r = sim.send({ method: "GET", url: "https://edition.cnn.com:80/politics" });
    expect(r).toMatchObject({ action: "route", cluster: "outbound|443||edition.cnn.com", virtualService: "default/direct-cnn-through-egress-gateway", listener: { port: 80, listenerPort: 8080, kind: "https" } });
    expect(r.notes).toContain("tls.mode SIMPLE: TLS origination: Envoy opens TLS to the upstream — DestinationRule default/originate-tls-for-edition-cnn-com; applied by Envoy's cluster, not the filter");
    // The port-level settings for 443 replace the rule's ROUND_ROBIN (GetPortLevelTrafficPolicy).
    expect(r.notes).toContain("loadBalancer: LEAST_REQUEST (Istio's default); applied by Envoy's cluster, not the filter");
    expect(r.notes).toContain("timeout: none (Istio disables Envoy's 15 s default route timeout)");
    if (judgesAbsent("TLS origination against Istio", { istio: true })) return;
    istio ??= new IstioXds();
    const x = await istio.translate({ yaml: readFileSync(join(dir, "egress-tls-origination.yaml"), "utf8"), labels: EGRESS.selector });
    const cluster = ((x.bootstrap as any).static_resources.clusters as Array<any>).find((c) => c.name === "outbound|443||edition.cnn.com");
    expect(cluster.lb_policy).toBe("LEAST_REQUEST");
    // The rig replaces Istio's upstream TLS socket (system roots) and lists it as removed.
    expect(x.removed.some((rm) => rm.what.startsWith("transport_socket") && rm.where === "cluster outbound|443||edition.cnn.com")).toBe(true);
  });
});

describe.skipIf(!HAS_ISTIO_DATA)(`Bookinfo traffic-management basics (${HAS_ISTIO_DATA ? "samples/bookinfo" : NO_ISTIO_DATA_NOTE})`, () => {
  it("curl http://$GATEWAY_URL/productpage reaches productpage:9080; /login and /logout too; / gets 404", async () => {
    const send = sender(await simulatorFor([{ path: join(ISTIO_DATA, "bookinfo/networking/bookinfo-gateway.yaml") }, { path: join(ISTIO_DATA, "bookinfo/platform/bookinfo.yaml") }], INGRESS));
    // The Bookinfo Gateway's server is port 8080 (no Service mapping among the inputs).
    for (const path of ["/productpage", "/login", "/logout", "/static/x.css", "/api/v1/products"]) {
      expect(send("GET", `http://203.0.113.7:8080${path}`), path).toMatchObject({ action: "route", cluster: "outbound|9080||productpage.default.svc.cluster.local" });
    }
    expect(send("GET", "http://203.0.113.7:8080/")).toMatchObject({ action: "not_found" });
  });
  itAgreesThreeWays();
});
