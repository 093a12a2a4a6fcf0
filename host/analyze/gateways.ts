// Gateway findings for the gateway workload: IST0162 (a server port the workload's Service does
// not expose) and IST0145 (two Gateways on the workload with a server on the same port and host).
// Sources: istio/istio pkg/config/analysis/analyzers/gateway/gateway.go (IngressGatewayPortAnalyzer),
// gateway/conflictinggateway.go (ConflictingGatewayAnalyzer, initGatewaysMap, isGWConflict),
// pilot/pkg/model/gateway.go (CheckDuplicates).
//
// Istio finds the workload's Pods; gatewasm knows the one workload it compiles for
// (--selector, --gateway-namespace, plus the labels of its Services' selectors as
// compiler/workload.ts infers them) and treats it as that Pod. Gateways that do not select it
// are not looked at here (the compiler reports VirtualServices bound to them).
// Deviations, on purpose: a Service port without `protocol` counts as TCP (the API server's
// default, which a file may leave out); and without any Service of the workload among the
// inputs the port check is skipped with GWA0004 instead of flagging every port.
import { asArray, asNumber, asString, isRecord } from "../compiler/common.ts";
import { labelsSubsetOf } from "../compiler/names.ts";
import type { Resource } from "../resources/types.ts";
import { findingAt, globalFinding } from "./finding.ts";
import { type AnalyzeContext, fullName, ofKind } from "./context.ts";

/** `labels.SelectorFromSet(m).String()`: `k=v` pairs sorted by key, comma-separated. */
export function selectorString(m: unknown): string {
  if (!isRecord(m)) return "";
  return Object.keys(m).sort().map((k) => `${k}=${String(m[k])}`).join(",");
}

function selectsWorkload(gw: Resource, labels: Record<string, string>): boolean {
  return labelsSubsetOf(isRecord(gw.spec.selector) ? gw.spec.selector : {}, labels);
}

export function analyzeGatewayPorts(ctx: AnalyzeContext): void {
  const { selector, gatewayNamespace } = ctx.target;
  const labels = ctx.workloadLabels;
  const gateways = ofKind(ctx, "Gateway").filter((g) => selectsWorkload(g, labels));
  if (gateways.length === 0) return;
  // Services select Pods of their own namespace; an empty selector matches every Pod, as klabels does.
  const services = ofKind(ctx, "Service").filter((s) => s.metadata.namespace === gatewayNamespace
    && labelsSubsetOf(isRecord(s.spec.selector) ? s.spec.selector : {}, labels));
  if (services.length === 0) {
    ctx.findings.push(globalFinding("GatewayServiceNotGiven", selectorString(selector), gatewayNamespace));
    return;
  }
  const servicePorts = new Set<number>();
  const portMapping = new Set<number>();
  for (const svc of services) {
    for (const p of asArray(svc.spec.ports)) {
      if (!isRecord(p) || (asString(p.protocol) || "TCP") !== "TCP") continue;
      // IntOrString.IntValue(): a named targetPort that is not a number is 0.
      const tp = typeof p.targetPort === "number" ? p.targetPort : /^\d+$/.test(asString(p.targetPort)) ? Number(p.targetPort) : 0;
      if (tp !== 0) {
        servicePorts.add(tp);
        portMapping.add(asNumber(p.port));
      } else {
        servicePorts.add(asNumber(p.port));
      }
    }
  }
  for (const gw of gateways) {
    asArray(gw.spec.servers).forEach((s, i) => {
      if (!isRecord(s) || !isRecord(s.port)) return;
      const n = asNumber(s.port.number);
      if (servicePorts.has(n) || portMapping.has(n)) return;
      ctx.findings.push(findingAt(gw, ["spec", "servers", i, "port", "number"], "GatewayPortNotDefinedOnService", n, selectorString(gw.spec.selector)));
    });
  }
}

export function analyzeConflictingGateways(ctx: AnalyzeContext): void {
  const labels = ctx.workloadLabels;
  // Istio walks the Gateways in an order it does not fix (the analysis context caches them in a
  // Go map); namespace/name order here.
  const gateways = ofKind(ctx, "Gateway").sort((a, b) => (fullName(a) < fullName(b) ? -1 : fullName(a) > fullName(b) ? 1 : 0));
  // initGatewaysMap: per (selector, port) and Gateway, the hosts of its servers on that port with their bind.
  const hostsBind = new Map<string, Map<string, Map<string, string>>>();
  for (const gw of gateways) {
    for (const s of asArray(gw.spec.servers)) {
      if (!isRecord(s)) continue;
      const key = `${selectorString(gw.spec.selector)}~${asNumber(isRecord(s.port) ? s.port.number : 0)}`;
      const perGw = hostsBind.get(key) ?? new Map<string, Map<string, string>>();
      hostsBind.set(key, perGw);
      const hb = new Map<string, string>();
      for (const h of asArray(s.hosts)) if (typeof h === "string") hb.set(h, asString(s.bind));
      perGw.set(fullName(gw), hb); // a later server on the port replaces the earlier one's hosts, as in Go
    }
  }
  for (const gw of gateways) {
    const sel = selectorString(gw.spec.selector);
    asArray(gw.spec.servers).forEach((s, i) => {
      if (!isRecord(s)) return;
      const port = String(asNumber(isRecord(s.port) ? s.port.number : 0));
      const conflicting: string[] = [];
      const hosts = asArray(s.hosts).filter((h): h is string => typeof h === "string");
      const bind = asString(s.bind);
      for (const [key, perGw] of hostsBind) {
        const [xSel, xPort] = key.split("~");
        if (xPort !== port) continue;
        // Same selector string, or overlapping selectors that both select the workload's Pod.
        const same = xSel === sel || ((xSel!.includes(sel) || sel.includes(xSel!))
          && selectsWorkload(gw, labels) && labelsSubsetOf(parseSelector(xSel!), labels));
        if (!same) continue;
        for (const [other, hb] of perGw) {
          if (other === fullName(gw)) continue;
          if (hosts.some((h) => hb.has(h) && hb.get(h) === bind)) conflicting.push(other);
          // CheckDuplicates marks the hosts as known in the other Gateway's map when none is a
          // duplicate, so a later server (of this Gateway or another) that repeats one of them
          // conflicts with that Gateway too.
          else for (const h of hosts) hb.set(h, bind);
        }
      }
      if (conflicting.length === 0) return;
      ctx.findings.push(findingAt(gw, ["spec", "servers", i], "ConflictingGateways", conflicting.sort().join(","), sel, port, hosts.join(",")));
    });
  }
}

function parseSelector(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of s.split(",")) {
    const kv = pair.split("=");
    if (kv.length === 2) out[kv[0]!] = kv[1]!;
  }
  return out;
}
