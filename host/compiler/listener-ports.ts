// Which port each route table's listener binds. The filter tells route tables apart by the
// listener port Envoy reports (`destination.port`). Istio binds a gateway server's listener to
// the targetPort of the gateway's own Service when that Service exposes the server's port
// (istio/istio pilot/pkg/model/gateway.go resolvePorts: "if a Service of the gateway has
// port == number, the listener binds that Service's targetPort"), e.g. istio-ingressgateway's
// 80 → 8080 and 443 → 8443.
import type { RouteTable } from "../config/model.ts";
import type { Resource } from "../resources/types.ts";
import { type DiagnosticSink, isRecord } from "./common.ts";
import { gatewayServices } from "./workload.ts";

/** Sets `listenerPort` on each table from the gateway workload's Services among `resources`. */
export function assignListenerPorts(
  tables: RouteTable[],
  resources: Resource[],
  labels: Record<string, string>,
  namespace: string,
  sink: DiagnosticSink,
): void {
  const services = gatewayServices(resources, labels, namespace);
  for (const table of tables) {
    for (const svc of services) {
      const ports = Array.isArray(svc.spec.ports) ? svc.spec.ports : [];
      const index = ports.findIndex((p: unknown) => isRecord(p) && p.port === table.port);
      if (index < 0) continue;
      const target = ports[index].targetPort;
      if (target === undefined || typeof target === "number") {
        table.listenerPort = typeof target === "number" ? target : table.port;
        // Istio names a plaintext route configuration after the port its listener binds
        // (gateway_simulation_test.go TestTargetPort: "http.8080"); HTTPS names keep the server port.
        if (!table.tls) table.name = `http.${table.listenerPort}`;
      } else {
        sink.report({ res: svc, path: ["spec", "ports", index, "targetPort"] },
          `named targetPort ${JSON.stringify(target)} cannot be resolved without the gateway's pods; route table ${table.name} assumes its listener binds port ${table.port}`, "warning");
      }
      break;
    }
  }
  const distinct = new Set(tables.map((t) => t.listenerPort ?? t.port));
  if (services.length === 0 && distinct.size > 1) {
    sink.global(`route tables on ports ${[...distinct].join(", ")} are told apart by the listener port, and no Service of the gateway workload `
      + `${JSON.stringify(labels)} in ${namespace} was given: assuming each listener binds its Gateway server port. If the gateway's Service maps ports `
      + "(istio-ingressgateway maps 80 → 8080 and 443 → 8443), pass it with -f", "warning");
  }
}

/** The port a server's listener binds: the gateway Service's numeric targetPort for it, else the server port. */
export function listenerPortFor(port: number, resources: Resource[], labels: Record<string, string>, namespace: string): number {
  for (const svc of gatewayServices(resources, labels, namespace)) {
    const entry = (Array.isArray(svc.spec.ports) ? svc.spec.ports : []).find((p: unknown) => isRecord(p) && p.port === port);
    if (entry === undefined) continue;
    return typeof entry.targetPort === "number" ? entry.targetPort : port;
  }
  return port;
}
