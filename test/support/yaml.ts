// YAML builders for the resources most tests need around the VirtualServices they check.

export interface ServerSpec { port: number; name: string; hosts: string[] }

/** A Gateway selecting istio=ingressgateway with plaintext HTTP servers. */
export function gatewayYaml(servers: ServerSpec[], name = "gw", namespace = "istio-system"): string {
  return `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  selector: {istio: ingressgateway}
  servers:
${servers.map((s) => `  - port: {number: ${s.port}, name: ${s.name}, protocol: HTTP}
    hosts: ${JSON.stringify(s.hosts)}`).join("\n")}
`;
}

/** Core Services with one port named http (80 unless given), as YAML documents each preceded by ---. */
export function servicesYaml(names: string[], port = 80, namespace = "default"): string {
  return names.map((n) => `
---
apiVersion: v1
kind: Service
metadata: {name: ${n}, namespace: ${namespace}}
spec: {ports: [{name: http, port: ${port}}]}
`).join("");
}
