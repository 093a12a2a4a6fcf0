// The CEL rules (`x-kubernetes-validations`) of the Gateway, VirtualService, DestinationRule and
// ServiceEntry CRDs, implemented by hand: ajv cannot run CEL. Each entry is keyed by the exact
// rule text from crd-all.gen.yaml, so a rule added upstream shows up as "not implemented" in
// test/validation/schema.test.ts instead of silently passing.

import { parseDurationNs, NS_PER_MS } from "./duration.ts";

type Self = unknown;
type CelRule = (self: Self) => boolean;

const has = (o: Self, k: string): boolean => o !== null && typeof o === "object" && (o as Record<string, unknown>)[k] !== undefined && (o as Record<string, unknown>)[k] !== null;
const get = (o: Self, k: string): unknown => (o !== null && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined);
const keysOf = (o: Self): string[] => (o !== null && typeof o === "object" && !Array.isArray(o) ? Object.keys(o) : []);
const str = (v: unknown): string => (typeof v === "string" ? v : "");
const count = (o: Self, ...ks: string[]): number => ks.filter((k) => has(o, k)).length;

/** CEL `key.matches(re)` uses RE2 partial-match semantics; the anchors are in the patterns. */
const PORT_NAME = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;

export const CEL_RULES: Record<string, CelRule> = {
  "duration(self) >= duration('1ms')": (self) => {
    if (typeof self !== "string") return true; // type error reported by the schema
    const ns = parseDurationNs(self);
    return ns !== null && ns >= NS_PER_MS;
  },
  'self.all(key, !key.contains("*"))': (self) => keysOf(self).every((k) => !k.includes("*")),
  "self.all(key, key.size() != 0)": (self) => keysOf(self).every((k) => k.length !== 0),
  '!self.contains("*")': (self) => typeof self !== "string" || !self.includes("*"),
  "(has(self.tlsCertificates) ? 1 : 0) + (has(self.credentialNames) ? 1 : 0) <= 1": (self) => count(self, "tlsCertificates", "credentialNames") <= 1,
  "(has(self.credentialName) ? 1 : 0) + (has(self.credentialNames) ? 1 : 0) <= 1": (self) => count(self, "credentialName", "credentialNames") <= 1,
  "(has(self.credentialNames) ? 1 : 0) + (has(self.tlsCertificates) ? 1 : 0) <= 1": (self) => count(self, "credentialNames", "tlsCertificates") <= 1,
  "(has(self.workloadSelector) ? 1 : 0) + (has(self.endpoints) ? 1 : 0) <= 1": (self) => count(self, "workloadSelector", "endpoints") <= 1,
  // EnvoyFilter (the rollout artifact `gatewasm compile` writes).
  "(has(self.workloadSelector) ? 1 : 0) + (has(self.targetRefs) ? 1 : 0) <= 1": (self) => count(self, "workloadSelector", "targetRefs") <= 1,
  'has(self.context) ? ((self.context == "WAYPOINT") ? has(self.waypoint) : !has(self.waypoint)) : !has(self.waypoint)': (self) =>
    has(self, "context") ? (str(get(self, "context")) === "WAYPOINT" ? has(self, "waypoint") : !has(self, "waypoint")) : !has(self, "waypoint"),
  "self.size() == 0": (self) => typeof self !== "string" || self.length === 0,
  '!((has(self.addresses) ? self.addresses : []).exists(k, k.contains("/")) && !((has(self.resolution) ? self.resolution : "NONE") in ["STATIC", "NONE"]))': (self) => {
    const addresses = get(self, "addresses");
    const hasCidr = Array.isArray(addresses) && addresses.some((a) => str(a).includes("/"));
    const resolution = has(self, "resolution") ? str(get(self, "resolution")) : "NONE";
    return !(hasCidr && !["STATIC", "NONE"].includes(resolution));
  },
  '((has(self.resolution) ? self.resolution : "NONE") == "NONE") ? !has(self.endpoints) : true': (self) =>
    (has(self, "resolution") ? str(get(self, "resolution")) : "NONE") === "NONE" ? !has(self, "endpoints") : true,
  '((has(self.resolution) ? self.resolution : "") == "DNS_ROUND_ROBIN") ? ((has(self.endpoints) ? self.endpoints : []).size() <= 1) : true': (self) => {
    if (str(get(self, "resolution")) !== "DNS_ROUND_ROBIN") return true;
    const endpoints = get(self, "endpoints");
    return !Array.isArray(endpoints) || endpoints.length <= 1;
  },
  "has(self.address) || has(self.network)": (self) => has(self, "address") || has(self, "network"),
  '(has(self.address) ? self.address : "").startsWith("unix://") ? !has(self.ports) : true': (self) =>
    str(get(self, "address")).startsWith("unix://") ? !has(self, "ports") : true,
  'self.startsWith("unix://") ? (self.substring(7, 8) == "/" || self.substring(7, 8) == "@") : true': (self) =>
    typeof self !== "string" || !self.startsWith("unix://") || self.slice(7, 8) === "/" || self.slice(7, 8) === "@",
  'self.startsWith("unix://") ? !self.endsWith("/") : true': (self) => typeof self !== "string" || !self.startsWith("unix://") || !self.endsWith("/"),
  'self.all(key, size(key) < 63 && key.matches("^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$"))': (self) =>
    keysOf(self).every((k) => k.length < 63 && PORT_NAME.test(k)),
  "0 < self && self <= 65535": (self) => typeof self !== "number" || (self > 0 && self <= 65535),
  'self != "*"': (self) => self !== "*",
  "self.all(l1, self.exists_one(l2, l1.number == l2.number))": (self) => {
    if (!Array.isArray(self)) return true;
    const numbers = self.map((p) => get(p, "number"));
    return numbers.every((n) => numbers.filter((m) => m === n).length === 1);
  },
  // WasmPlugin (extensions.istio.io/v1alpha1; the rollout artifact `compile --delivery wasmplugin` writes).
  "(has(self.selector) ? 1 : 0) + (has(self.targetRef) ? 1 : 0) + (has(self.targetRefs) ? 1 : 0) <= 1": (self) =>
    count(self, "selector", "targetRef", "targetRefs") <= 1,
  'isURL(self) ? (url(self).getScheme() in ["", "http", "https", "oci", "file"]) : (isURL("http://" + self) &&\nurl("http://" + self).getScheme() in ["", "http", "https", "oci", "file"])': (self) =>
    typeof self !== "string" || wasmPluginUrlScheme(self),
  '(has(self.valueFrom) ? self.valueFrom : "") != "HOST" || !has(self.value)': (self) =>
    str(get(self, "valueFrom")) !== "HOST" || !has(self, "value"),
};

/**
 * Kubernetes CEL `isURL` is Go's url.ParseRequestURI (k8s.io/apiserver pkg/cel/library/urls.go):
 * an absolute URI or an absolute path. A URL with a scheme must use one of the listed ones; one
 * without (an image reference such as ghcr.io/x/y:1) is tried again behind "http://".
 */
function wasmPluginUrlScheme(self: string): boolean {
  const schemes = ["http", "https", "oci", "file"];
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(self);
  if (self.startsWith("/")) return true; // scheme ""
  if (scheme && /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(self)) return schemes.includes(scheme[1]!.toLowerCase());
  try {
    new URL(`http://${self}`);
    return true;
  } catch {
    return false;
  }
}

export interface CelFailure {
  rule: string;
  message: string;
}

/** Evaluates the rules of one schema node against `self`; unknown rules are reported separately. */
export function evaluateCelRules(rules: Array<{ rule: string; message?: string }>, self: Self): CelFailure[] {
  const failures: CelFailure[] = [];
  for (const { rule, message } of rules) {
    const check = CEL_RULES[rule];
    if (check === undefined) continue; // see isCelRuleImplemented
    if (!check(self)) failures.push({ rule, message: message ?? `failed rule: ${rule}` });
  }
  return failures;
}

export function isCelRuleImplemented(rule: string): boolean {
  return CEL_RULES[rule] !== undefined;
}
