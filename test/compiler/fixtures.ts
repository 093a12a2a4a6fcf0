// Test helpers: Resources from YAML text (with real positions), and short builders for the
// resources most cases need, in the shape of Istio's gateway_simulation_test.go helpers.

import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { LineCounter, isMap, isSeq, parseAllDocuments, type Node } from "yaml";
import type { FieldPath, Resource } from "../../host/resources/types.ts";
import { compileGateway } from "../../host/compiler/index.ts";
import type { FilterConfig, Route, RouteTable, VirtualHost } from "../../host/config/model.ts";

export function parseResources(text: string, file = "test.yaml", defaultNamespace = "default"): Resource[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter });
  const out: Resource[] = [];
  (Array.isArray(docs) ? docs : [docs]).forEach((doc, docIndex) => {
    const obj = doc.toJS();
    if (!obj || typeof obj !== "object") return;
    const locate = (path: FieldPath) => {
      let node: unknown = doc.contents;
      let best = node as Node | null;
      for (const part of path) {
        if (isMap(node)) node = node.get(part as string, true);
        else if (isSeq(node)) node = node.get(part as number, true);
        else break;
        if (node && typeof node === "object" && "range" in (node as object)) best = node as Node;
        else break;
      }
      const offset = best?.range?.[0] ?? 0;
      const pos = lineCounter.linePos(offset);
      return { file, line: pos.line, col: pos.col };
    };
    out.push({
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      metadata: { ...obj.metadata, namespace: obj.metadata?.namespace ?? defaultNamespace },
      spec: obj.spec ?? {},
      source: { file, docIndex, locate },
    });
  });
  return out;
}

export const INGRESS: { selector: Record<string, string>; gatewayNamespace: string } = {
  selector: { istio: "ingressgateway" },
  gatewayNamespace: "istio-system",
};

export function compile(yamlText: string, options: { selector?: Record<string, string>; gatewayNamespace?: string; clusterDomain?: string } = {}) {
  return compileGateway(parseResources(yamlText), { ...INGRESS, ...options });
}

/** `createGateway(name, ns, servers)`-like: a Gateway selecting the default ingress workload. */
export function gateway(name: string, servers: string, opts: { ns?: string; ts?: string; selector?: string } = {}): string {
  return `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: ${name}
  namespace: ${opts.ns ?? "istio-system"}${opts.ts ? `\n  creationTimestamp: "${opts.ts}"` : ""}
spec:
  selector:
    ${opts.selector ?? "istio: ingressgateway"}
  servers:
${indent(servers, 2)}
---
`;
}

export function httpServer(port: number, hosts: string[], extra = ""): string {
  return `- port: {number: ${port}, name: http-${port}, protocol: HTTP}
  hosts: [${hosts.map((h) => JSON.stringify(h)).join(", ")}]${extra ? "\n" + indent(extra, 2) : ""}`;
}

export function virtualService(name: string, spec: string, opts: { ns?: string; ts?: string } = {}): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${name}
  namespace: ${opts.ns ?? "default"}${opts.ts ? `\n  creationTimestamp: "${opts.ts}"` : ""}
spec:
${indent(spec, 2)}
---
`;
}

export function service(name: string, ports: number[], ns = "default"): string {
  return `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  ports:
${ports.map((p) => `  - port: ${p}\n    name: p${p}`).join("\n")}
---
`;
}

function indent(text: string, n: number): string {
  const pad = " ".repeat(n);
  return text
    .replace(/^\n+|\s+$/g, "")
    .split("\n")
    .map((l) => (l.length ? pad + l : l))
    .join("\n");
}

export function table(config: FilterConfig, name: string): RouteTable {
  const t = config.routeTables.find((t) => t.name === name);
  if (!t) throw new Error(`no route table ${name}; have ${config.routeTables.map((t) => t.name).join(", ")}`);
  return t;
}

export function vhost(t: RouteTable, domain: string): VirtualHost {
  const v = t.virtualHosts.find((v) => v.domain === domain);
  if (!v) throw new Error(`no vhost ${domain}; have ${t.virtualHosts.map((v) => v.domain).join(", ")}`);
  return v;
}

export function domains(t: RouteTable): string[] {
  return t.virtualHosts.map((v) => v.domain);
}

/** The single cluster of a route (throws for weighted or non-route actions). */
export function clusterOf(r: Route): string {
  if (r.action.kind !== "route") throw new Error(`route action is ${r.action.kind}`);
  return r.action.destinations.map((d) => d.cluster).join(",");
}

/** The shared Istio data (§13); tests that need it skip visibly when it is absent. */
export const SHARED_ISTIO = fileURLToPath(new URL("../../../shared/data/istio/", import.meta.url));
export const hasShared = existsSync(SHARED_ISTIO);
export function sharedFile(rel: string, defaultNamespace = "default"): Resource[] {
  return parseResources(readFileSync(SHARED_ISTIO + rel, "utf8"), rel, defaultNamespace);
}

/** Gateway `istio-system/gw` (port 80, hosts `*`) + the given resources; returns the vhost `host`'s routes. */
export function routesFor(resources: string, host = "example.com", port = 80) {
  const result = compile(gateway("gw", httpServer(port, ["*"])) + resources);
  const t = table(result.config, `http.${port}`);
  const v = t.virtualHosts.find((v) => v.domain === host);
  return { ...result, table: t, routes: v ? v.routes : [] };
}

/** A VirtualService for `example.com` bound to istio-system/gw with the given `http:` list. */
export function vsHttp(http: string, opts: { name?: string; ns?: string; ts?: string; hosts?: string[] } = {}): string {
  return virtualService(
    opts.name ?? "vs",
    `hosts: [${(opts.hosts ?? ["example.com"]).map((h) => JSON.stringify(h)).join(", ")}]
gateways: [istio-system/gw]
http:
${http.replace(/^\n+|\s+$/g, "")}`,
    { ns: opts.ns, ts: opts.ts },
  );
}
