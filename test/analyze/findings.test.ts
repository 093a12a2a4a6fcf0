// One small input per finding kind of `gatewasm analyze`; each names the Istio analyzer it
// reproduces (istio/istio pkg/config/analysis/analyzers/...; codes, levels and templates from
// pkg/config/analysis/msg/messages.yaml). test/analyze/istio-analyzers.test.ts runs Istio's own
// analyzers on inputs like these and compares.
import { describe, expect, it } from "vitest";
import { analyzeResources, type Finding } from "../../host/analyze/index.ts";
import { loadResources } from "../../host/resources/load.ts";
import type { GatewayTarget } from "../../host/pipeline.ts";

function analyze(text: string, target?: GatewayTarget): Finding[] {
  const { resources, diagnostics } = loadResources([{ name: "in.yaml", text }]);
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return analyzeResources(resources, target ? { target } : {});
}

function codes(findings: Finding[], prefix = "IST"): string[] {
  return findings.filter((f) => f.code.startsWith(prefix)).map((f) => `${f.code} ${f.kind} ${f.namespace}/${f.name} ${f.field}`);
}

const GATEWAY = `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*.example.com"]
---
apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  ports:
  - {name: http2, port: 80, targetPort: 8080, protocol: TCP}
---
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec:
  selector: {app: reviews}
  ports:
  - {name: http, port: 9080, protocol: TCP}
`;

function vs(spec: string, name = "vs", namespace = "default"): string {
  return `---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: ${namespace}}
spec:
${spec}`;
}

describe("gatewasm analyze: VirtualService references (virtualservice/gateways.go, destinationhosts.go, destinationrules.go)", () => {
  it("a configuration with nothing wrong has no finding", () => {
    const f = analyze(GATEWAY + vs(`  hosts: [a.example.com]
  gateways: [istio-system/gw]
  http:
  - route:
    - destination: {host: reviews}
`));
    expect(f).toEqual([]);
  });

  it("IST0101 for a missing Gateway, IST0132 for each gateway without a VirtualService host, at spec.gateways[i] with file:line:col", () => {
    const f = analyze(GATEWAY + vs(`  hosts: [shop.other.com]
  gateways: [istio-system/gw, nogw]
  http:
  - route:
    - destination: {host: reviews}
`));
    expect(codes(f)).toEqual([
      "IST0132 VirtualService default/vs spec.gateways[0]",
      "IST0101 VirtualService default/vs spec.gateways[1]",
      "IST0132 VirtualService default/vs spec.gateways[1]",
    ]);
    const missing = f.find((x) => x.code === "IST0101")!;
    expect(missing).toMatchObject({ level: "Error", type: "ReferencedResourceNotFound", message: 'Referenced gateway not found: "nogw"' });
    // Line 32 of the input is `  gateways: [istio-system/gw, nogw]`; "nogw" starts at column 31.
    expect(missing.location).toEqual({ file: "in.yaml", line: 32, col: 31 });
    expect(f.find((x) => x.code === "IST0132")!.message)
      .toBe("one or more host [shop.other.com] defined in VirtualService default/vs not found in Gateway istio-system/gw.");
  });

  it("a server host of another namespace (ns/host) does not count for the VirtualService (host.NamesForNamespace)", () => {
    const gw = GATEWAY.replace('hosts: ["*.example.com"]', 'hosts: ["shop/*.example.com"]');
    expect(codes(analyze(gw + vs(`  hosts: [a.example.com]
  gateways: [istio-system/gw]
  http:
  - route:
    - destination: {host: reviews}
`)))).toEqual(["IST0132 VirtualService default/vs spec.gateways[0]"]);
  });

  it("IST0101 host, host:port and host+subset, IST0112 for a multi-port service without a port", () => {
    const f = analyze(GATEWAY + `---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext, namespace: default}
spec:
  hosts: [api.ext.com]
  ports: [{number: 80, name: http, protocol: HTTP}, {number: 443, name: https, protocol: HTTPS}]
  resolution: DNS
` + vs(`  hosts: [a.example.com]
  gateways: [istio-system/gw]
  http:
  - route:
    - destination: {host: missing}
  - route:
    - destination: {host: reviews, port: {number: 1234}}
  - route:
    - destination: {host: reviews, subset: v2}
  - route:
    - destination: {host: api.ext.com}
`));
    expect(f.filter((x) => x.code.startsWith("IST")).map((x) => `${x.code} ${x.field} ${x.message}`)).toEqual([
      'IST0101 spec.http[0].route[0].destination.host Referenced host not found: "missing"',
      'IST0101 spec.http[1].route[0].destination.host Referenced host:port not found: "reviews:1234"',
      'IST0101 spec.http[2].route[0].destination.host Referenced host+subset in destinationrule not found: "reviews+v2"',
      'IST0112 spec.http[3].route[0].destination.host This VirtualService routes to a service "api.ext.com" that exposes multiple ports [80 443]. Specifying a port in the destination is required to disambiguate.',
      // Rules after a rule without match (IST0130), as Istio's schema analyzer reports them.
      "IST0130 spec.http[1] VirtualService rule #1 not used (only the last rule can have no matches).",
      "IST0130 spec.http[2] VirtualService rule #2 not used (only the last rule can have no matches).",
      "IST0130 spec.http[3] VirtualService rule #3 not used (only the last rule can have no matches).",
    ].sort((a, b) => order(a) - order(b)));
  });

  it("a DestinationRule subset in the service's namespace satisfies a destination written as the FQDN (GetResourceNameFromHost)", () => {
    const f = analyze(GATEWAY + `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  subsets: [{name: v1, labels: {version: v1}}]
` + vs(`  hosts: [a.example.com]
  gateways: [istio-system/gw]
  http:
  - route:
    - destination: {host: reviews.default.svc.cluster.local, subset: v1}
`, "vs", "shop"));
    expect(codes(f)).toEqual([]);
  });

  it("IST0140: a gateway route without a subset to a host another VirtualService routes by subset", () => {
    const f = analyze(GATEWAY + `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  subsets: [{name: v1, labels: {version: v1}}]
` + vs(`  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
`, "mesh-reviews") + vs(`  hosts: [a.example.com]
  gateways: [istio-system/gw]
  http:
  - route:
    - destination: {host: reviews}
`));
    expect(f.filter((x) => x.code === "IST0140").map((x) => x.message))
      .toEqual(["Subset in virtual service default/mesh-reviews has no effect on ingress gateway default/vs requests"]);
  });
});

// The IST0130 lines of the test above sit between the IST0101 lines in file order.
function order(line: string): number {
  const m = /spec\.http\[(\d+)\]/.exec(line);
  return Number(m?.[1] ?? 0) * 10 + (line.startsWith("IST0130") ? 0 : 1);
}

describe("gatewasm analyze: unreachable rules and ineffective matches (validation.go analyzeUnreachableHTTPRules)", () => {
  it("IST0131 for a duplicate match and for a prefix an earlier prefix covers; IST0130 for a second rule without match and for matches after one", () => {
    const f = analyze(GATEWAY + vs(`  hosts: [a.example.com]
  gateways: [istio-system/gw]
  http:
  - name: first
    match: [{uri: {prefix: /a}}]
    route: [{destination: {host: reviews}}]
  - match: [{uri: {prefix: /a}, name: again}, {uri: {prefix: /abc}}]
    route: [{destination: {host: reviews}}]
  - match: [{uri: {prefix: /a}}]
    route: [{destination: {host: reviews}}]
  - route: [{destination: {host: reviews}}]
  - match: [{uri: {exact: /z}}]
    route: [{destination: {host: reviews}}]
  - route: [{destination: {host: reviews}}]
`));
    expect(f.filter((x) => x.code === "IST0130" || x.code === "IST0131").map((x) => `${x.code} ${x.level} ${x.field} ${x.message}`)).toEqual([
      'IST0131 Info spec.http[1].match[0] VirtualService rule #1 match "again" is not used (duplicate/overlapping match in rule "first").',
      'IST0131 Info spec.http[1].match[1] VirtualService rule #1 match #1 of prefix /abc is not used (duplicate/overlapping match in rule #0 of prefix /a on "first").',
      'IST0130 Warning spec.http[2] VirtualService rule #2 not used (all matches used by prior rules).',
      'IST0131 Info spec.http[2].match[0] VirtualService rule #2 match #0 is not used (duplicate/overlapping match in rule "first").',
      "IST0130 Warning spec.http[4] VirtualService rule #4 not used (route without matches defined before).",
      "IST0130 Warning spec.http[5] VirtualService rule #5 not used (only the last rule can have no matches).",
    ]);
  });

  it("a covering prefix with another method does not make a later match ineffective (coveredValidation)", () => {
    const f = analyze(GATEWAY + vs(`  hosts: [a.example.com]
  gateways: [istio-system/gw]
  http:
  - match: [{uri: {prefix: /a}, method: {exact: POST}}]
    route: [{destination: {host: reviews}}]
  - match: [{uri: {prefix: /abc}}]
    route: [{destination: {host: reviews}}]
`));
    expect(codes(f)).toEqual([]);
  });

  // Istio moves catch-all routes to the end of the virtual host (route.go SortVHostRoutes), so
  // only another catch-all is hidden by one.
  it("a catch-all hidden by another VirtualService's catch-all on the same gateway host is the compiler's finding (GWA0001), and the shared host GWA0003", () => {
    const f = analyze(GATEWAY + vs(`  hosts: [a.example.com]
  gateways: [istio-system/gw]
  http:
  - route: [{destination: {host: reviews}}]
`, "first") + vs(`  hosts: [a.example.com]
  gateways: [istio-system/gw]
  http:
  - match: [{uri: {prefix: /x}}]
    route: [{destination: {host: reviews}}]
  - route: [{destination: {host: reviews}}]
`, "second"));
    expect(codes(f)).toEqual([]);
    expect(f.map((x) => `${x.code} ${x.kind} ${x.name} ${x.field}`)).toEqual([
      "GWA0003 VirtualService second spec.hosts[0]",
      "GWA0001 VirtualService second spec.http[1]",
    ]);
    expect(f[1]!.message).toContain("catch-all route of default/first comes first");
  });
});

describe("gatewasm analyze: mesh VirtualServices (virtualservice/conflictingmeshgatewayhosts.go)", () => {
  it("IST0109 on each mesh VirtualService defining the same host, at metadata.name; not for gateway VirtualServices", () => {
    const mesh = (name: string) => vs(`  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews}}]
`, name);
    const f = analyze(GATEWAY + mesh("r1") + mesh("r2") + vs(`  hosts: [reviews.default.svc.cluster.local]
  gateways: [istio-system/gw]
  http:
  - route: [{destination: {host: reviews}}]
`, "gw-bound"));
    expect(f.filter((x) => x.code === "IST0109").map((x) => `${x.name} ${x.field} ${x.message}`)).toEqual([
      "r1 metadata.name The VirtualServices default/r1,default/r2 associated with mesh gateway define the same host */reviews.default.svc.cluster.local which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.",
      "r2 metadata.name The VirtualServices default/r1,default/r2 associated with mesh gateway define the same host */reviews.default.svc.cluster.local which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.",
    ]);
  });
});

describe("gatewasm analyze: Gateways of the workload (gateway/gateway.go, gateway/conflictinggateway.go)", () => {
  it("IST0162 for a server port neither a Service port nor a targetPort of the workload's Service, at the port", () => {
    const gw = GATEWAY.replace(`    hosts: ["*.example.com"]
`, `    hosts: ["*.example.com"]
  - port: {number: 8080, name: http-direct, protocol: HTTP}
    hosts: ["b.example.com"]
  - port: {number: 9000, name: http-other, protocol: HTTP}
    hosts: ["c.example.com"]
`);
    const f = analyze(gw).filter((x) => x.code === "IST0162");
    expect(f.map((x) => `${x.field} ${x.level}`)).toEqual(["spec.servers[2].port.number Warning"]);
    expect(f[0]!.message).toContain("(port 9000)");
    expect(f[0]!.message).toContain("(Pod selector istio=ingressgateway)");
  });

  it("without the workload's Service the port check is skipped with GWA0004, not every port flagged", () => {
    const noService = GATEWAY.split("---\n").filter((d) => !d.includes("istio-ingressgateway")).join("---\n");
    const f = analyze(noService);
    expect(f.filter((x) => x.code === "IST0162")).toEqual([]);
    expect(f.filter((x) => x.code === "GWA0004").length).toBe(1);
  });

  it("IST0145 on both Gateways of one selector with a server on the same port and host", () => {
    const other = GATEWAY.split("---\n")[0]!.replace("name: gw,", "name: gw2,");
    const f = analyze(GATEWAY + "---\n" + other).filter((x) => x.code === "IST0145");
    expect(f.map((x) => `${x.name} ${x.field} ${x.message}`)).toEqual([
      "gw spec.servers[0] Conflict with gateways istio-system/gw2 (workload selector istio=ingressgateway, port 80, hosts *.example.com).",
      "gw2 spec.servers[0] Conflict with gateways istio-system/gw (workload selector istio=ingressgateway, port 80, hosts *.example.com).",
    ]);
  });
});

describe("gatewasm analyze: DestinationRule TLS (destinationrule/ca-certificates.go)", () => {
  it("IST0128 and IST0129 for SIMPLE/MUTUAL origination without caCertificates; none with caCertificates or DISABLE", () => {
    const f = analyze(GATEWAY + `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ext, namespace: default}
spec:
  host: api.ext.com
  trafficPolicy:
    tls: {mode: SIMPLE}
    portLevelSettings:
    - port: {number: 443}
      tls: {mode: MUTUAL, clientCertificate: /c.pem, privateKey: /k.pem}
    - port: {number: 8443}
      tls: {mode: SIMPLE, caCertificates: /ca.pem}
    - port: {number: 9443}
      tls: {mode: DISABLE}
`).filter((x) => x.code === "IST0128" || x.code === "IST0129");
    expect(f.map((x) => `${x.code} ${x.field} ${x.message}`)).toEqual([
      "IST0128 spec.trafficPolicy.tls.caCertificates DestinationRule default/ext in namespace default has TLS mode set to SIMPLE but no caCertificates are set to validate server identity for host: api.ext.com",
      "IST0129 spec.trafficPolicy.portLevelSettings[0].tls.caCertificates DestinationRule default/ext in namespace default has TLS mode set to MUTUAL but no caCertificates are set to validate server identity for host: api.ext.com at port number:443",
    ]);
  });
});

describe("gatewasm analyze: schema (schema/validation.go)", () => {
  it("a validation error is IST0106 at its field, and the translation is not run on invalid input", () => {
    const f = analyze(GATEWAY + vs(`  hosts: [a.example.com]
  gateways: [istio-system/gw]
  http:
  - route:
    - destination: {host: reviews}
      weight: -1
`));
    expect(f.map((x) => `${x.code} ${x.level}`)).toContain("IST0106 Error");
    expect(f.every((x) => !x.code.startsWith("GWA"))).toBe(true);
    expect(f.find((x) => x.code === "IST0106")!.message).toMatch(/^Schema validation error: /);
  });
});
