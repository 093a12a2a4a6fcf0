// §2.2 listener ports: a gateway server's listener binds the targetPort of the gateway's own
// Service when that Service exposes the server port (istio/istio pilot/pkg/model/gateway.go
// resolvePorts); the filter tells route tables apart by that port (Envoy's destination.port).
import { describe, expect, it } from "vitest";
import { compileInputs } from "../../host/pipeline.ts";
import { Simulator } from "../../host/simulate/simulator.ts";
import { WASM } from "../support/simulate.ts";
import { ROOT } from "../support/test-module.ts";

const INGRESS_SERVICE = `
apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  ports:
  - {name: http2, port: 80, targetPort: 8080}
  - {name: https, port: 443, targetPort: 8443}
`;

describe("§2.2 listener ports from the gateway's Service", () => {
  // The store-front example without its ingress-service.yaml, and with it.
  const example = ["gateway.yaml", "routes.yaml", "services.yaml"].map((f) => ({ path: `${ROOT}/examples/storefront/${f}` }));
  const exampleWithService = [{ path: `${ROOT}/examples/storefront` }];

  it("without the gateway Service, tables keep the server port and a warning says how to give it", () => {
    const { compiled, diagnostics } = compileInputs(example);
    expect(compiled!.config.routeTables.map((t) => t.listenerPort ?? t.port)).toEqual([80, 443]);
    expect(diagnostics.some((d) => d.severity === "warning" && /told apart by the listener port/.test(d.message))).toBe(true);
  });

  it("with istio-ingressgateway (80 → 8080, 443 → 8443) the listeners bind the target ports", () => {
    const { compiled, diagnostics } = compileInputs([...example, { name: "svc.yaml", text: INGRESS_SERVICE }]);
    expect(compiled!.config.routeTables.map((t) => [t.port, t.listenerPort])).toEqual([[80, 8080], [443, 8443]]);
    expect(diagnostics.some((d) => /told apart by the listener port/.test(d.message))).toBe(false);
  });

  it("the filter picks the table from destination.port = the target port (simulate --port takes the server port)", async () => {
    const { compiled } = compileInputs(exampleWithService);
    const sim = await Simulator.create(compiled!, { wasm: WASM });
    const plain = sim.send({ method: "GET", url: "http://shop.example.com/healthz" });
    expect(plain.explanation[0]).toContain("route table http.80");
    const tls = sim.send({ method: "GET", url: "https://shop.example.com/healthz" });
    expect(tls.explanation[0]).toContain("route table https.443.https.shop-gateway.shop");
    const direct = sim.harness.request({
      headers: [[":method", "GET"], [":scheme", "http"], [":authority", "shop.example.com"], [":path", "/"]],
      properties: { "destination.port": 80n }, // nothing listens on 80 in the pod: no table
    });
    expect(direct.localReply?.status).toBe(404);
  });
});
