// validateResources as the CLI uses it: every error of every resource in one run, sorted by
// file and position, each printed as `file:line:col  kind ns/name  field  message`.
import { describe, expect, test } from "vitest";
import { loadResources } from "../../host/resources/load.ts";
import { formatDiagnostic } from "../../host/resources/types.ts";
import { hasErrors, validateResources } from "../../host/validation/index.ts";

const FILE_A = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: public
  namespace: istio-system
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["shop.example.com"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: shop
  namespace: shop
spec:
  hosts: [shop.example.com]
  gateways: [istio-system/public]
  http:
  - match:
    - uri: {prefix: /cart}
    route:
    - destination: {host: cart, subset: v1.2}
    fault:
      abort: {httpStatus: 700, percentage: {value: 10}}
  - route:
    - destination: {host: catalog}
`;

const FILE_B = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: cart, namespace: shop}
spec:
  host: cart
  subsets:
  - name: v1
  - name: v1
`;

describe("one run reports every error of every file, sorted, with exact positions", () => {
  test("webhook and schema errors across two files", () => {
    const { resources, diagnostics } = loadResources([{ name: "b.yaml", text: FILE_B }, { name: "a.yaml", text: FILE_A }]);
    expect(diagnostics).toEqual([]);
    const out = validateResources(resources);
    expect(hasErrors(out)).toBe(true);
    expect(out.map(formatDiagnostic)).toEqual([
      "a.yaml:9:5  Gateway istio-system/public  spec.servers[0].tls  server must have TLS settings for HTTPS/TLS protocols",
      "a.yaml:24:41  VirtualService shop/shop  spec.http[0].route[0].destination.subset  subset name is invalid: v1.2",
      "a.yaml:26:27  VirtualService shop/shop  spec.http[0].fault.abort.httpStatus  HTTP status 700 is not in range 200-599",
      "b.yaml:8:11  DestinationRule shop/cart  spec.subsets[1].name  duplicate subset names: v1",
    ]);
    expect(out.map((d) => d.code)).toEqual(["gw-tls-required", "subset-name", "vs-fault-http-status", "dr-subset-duplicate"]);
  });

  test("warnings do not count as errors", () => {
    const { resources } = loadResources([{ name: "w.yaml", text: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: w}
spec:
  hosts: [w.example.com]
  gateways: [gw]
  http:
  - route: [{destination: {host: a}}]
  - route: [{destination: {host: b}}]
` }]);
    const out = validateResources(resources);
    expect(out.map(formatDiagnostic)).toEqual([
      "w.yaml:9:5  VirtualService default/w  spec.http[1]  warning: virtualService rule #1 not used (only the last rule can have no matches)",
    ]);
    expect(hasErrors(out)).toBe(false);
  });

  test("a field the schema rejected is not reported again by the webhook rules", () => {
    const { resources } = loadResources([{ name: "d.yaml", text: `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: d}
spec:
  hosts: [d.example.com]
  gateways: [gw]
  http:
  - route: [{destination: {host: a}}]
    timeout: 0.5ms
` }]);
    expect(validateResources(resources).map((d) => [d.code, d.field])).toEqual([["schema-cel", "spec.http[0].timeout"]]);
  });
});
