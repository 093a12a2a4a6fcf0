// DestinationRule webhook rules: istio/istio @86c9f01f pkg/config/validation/validation.go
// (ValidateDestinationRule, validateTrafficPolicy, validateOutlierDetection, validateConnectionPool,
// validateLoadBalancer, validateSubset, validatePortTrafficPolicies, validateTunnelSettings,
// validateProxyProtocol) and agent/validation.go (ValidateLocalityLbSetting, reduced).

import type { FieldPath } from "../resources/types.ts";
import { isDNS1123Label, isIPAddress, validateFQDN, validateLabels, validateWildcardDomain } from "./names.ts";
import { arr, durationError, isObj, isSet, num, obj, portError, Report, str, strMap, type Obj } from "./report.ts";
import { validateExportTo } from "./export-to.ts";
import { parseDurationNs } from "./duration.ts";

export function validateDestinationRule(report: Report): void {
  const spec = report.resource.spec as Obj;
  report.check(["spec", "host"], "dr-host", validateWildcardDomain(str(spec.host)));
  validateTrafficPolicy(report, spec.trafficPolicy, ["spec", "trafficPolicy"]);
  const names = new Set<string>();
  arr(spec.subsets).forEach((raw, i) => {
    const at: FieldPath = ["spec", "subsets", i];
    if (!isObj(raw)) return report.error(at, "dr-subset", "subset may not be null");
    const name = str(raw.name);
    if (names.has(name)) report.error([...at, "name"], "dr-subset-duplicate", `duplicate subset names: ${name}`);
    names.add(name);
    if (name === "") report.error([...at, "name"], "subset-name", "subset name cannot be empty");
    else if (!isDNS1123Label(name)) report.error([...at, "name"], "subset-name", `subset name is invalid: ${name}`);
    for (const { key, message } of validateLabels(obj(raw.labels) ?? {})) report.error([...at, "labels", key], "labels", message);
    validateTrafficPolicy(report, raw.trafficPolicy, [...at, "trafficPolicy"]);
  });
  validateExportTo(report, spec.exportTo, { isServiceEntry: false, isDestinationRuleWithSelector: isSet(spec.workloadSelector) });
}

function validateTrafficPolicy(report: Report, raw: unknown, at: FieldPath): void {
  const policy = obj(raw);
  if (!policy) return;
  const fields = ["outlierDetection", "connectionPool", "loadBalancer", "tls", "portLevelSettings", "tunnel", "proxyProtocol", "retryBudget"];
  if (!fields.some((f) => isSet(policy[f]))) return report.error(at, "dr-traffic-policy-empty", "traffic policy must have at least one field");
  if (isSet(policy.tunnel) && isSet(policy.proxyProtocol)) return report.error(at, "dr-tunnel-proxy-protocol", "tunnel and proxyProtocol must not be set together");
  validateOutlierDetection(report, obj(policy.outlierDetection), [...at, "outlierDetection"]);
  validateConnectionPool(report, obj(policy.connectionPool), [...at, "connectionPool"]);
  validateLoadBalancer(report, obj(policy.loadBalancer), [...at, "loadBalancer"]);
  validatePortTrafficPolicies(report, arr(policy.portLevelSettings), [...at, "portLevelSettings"]);
  validateTunnel(report, obj(policy.tunnel), [...at, "tunnel"]);
  const pp = obj(policy.proxyProtocol);
  if (pp && isSet(pp.version) && pp.version !== "V1" && pp.version !== "V2") {
    report.error([...at, "proxyProtocol", "version"], "dr-proxy-protocol", `proxy protocol version is invalid: ${String(pp.version)}`);
  }
}

function validateTunnel(report: Report, tunnel: Obj | undefined, at: FieldPath): void {
  if (!tunnel) return;
  const protocol = str(tunnel.protocol);
  if (protocol !== "" && protocol !== "CONNECT" && protocol !== "POST") report.error([...at, "protocol"], "dr-tunnel", 'tunnel protocol must be "CONNECT" or "POST"');
  const host = str(tunnel.targetHost);
  const fqdnErr = validateFQDN(host);
  if (fqdnErr && !isIPAddress(host)) report.error([...at, "targetHost"], "dr-tunnel", `tunnel target host must be valid FQDN or IP address: ${fqdnErr}`);
  const portErr = portError(num(tunnel.targetPort));
  if (portErr) report.error([...at, "targetPort"], "dr-tunnel", `tunnel target port is invalid: ${portErr}`);
}

function percentError(v: number): string | null {
  return v < 0 || v > 100 ? `percentage ${v} is not in range 0..100` : null;
}

function validateOutlierDetection(report: Report, od: Obj | undefined, at: FieldPath): void {
  if (!od) return;
  if (isSet(od.baseEjectionTime)) report.check([...at, "baseEjectionTime"], "duration", durationError(od.baseEjectionTime));
  if (num(od.consecutiveErrors) !== 0) {
    report.warn([...at, "consecutiveErrors"], "dr-consecutive-errors-deprecated", "outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead");
  }
  if (od.splitExternalLocalOriginErrors !== true && num(od.consecutiveLocalOriginFailures) > 0) {
    report.error([...at, "consecutiveLocalOriginFailures"], "dr-local-origin", "outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false");
  }
  if (isSet(od.interval)) report.check([...at, "interval"], "duration", durationError(od.interval));
  report.check([...at, "maxEjectionPercent"], "dr-percent", percentError(num(od.maxEjectionPercent)));
  report.check([...at, "minHealthPercent"], "dr-percent", percentError(num(od.minHealthPercent)));
}

function validateConnectionPool(report: Report, cp: Obj | undefined, at: FieldPath): void {
  if (!cp) return;
  const http = obj(cp.http);
  const tcp = obj(cp.tcp);
  if (!http && !tcp) return report.error(at, "dr-connection-pool-empty", "connection pool must have at least one field");
  const nonNegative = (o: Obj, base: FieldPath, field: string, what: string) => {
    if (num(o[field]) < 0) report.error([...base, field], "dr-connection-pool", `${what} must be non-negative`);
  };
  if (http) {
    const h = [...at, "http"];
    nonNegative(http, h, "http1MaxPendingRequests", "http1 max pending requests");
    nonNegative(http, h, "http2MaxRequests", "http2 max requests");
    nonNegative(http, h, "maxRequestsPerConnection", "max requests per connection");
    nonNegative(http, h, "maxRetries", "max retries");
    nonNegative(http, h, "maxConcurrentStreams", "max concurrent streams");
    if (isSet(http.idleTimeout)) report.check([...h, "idleTimeout"], "duration", durationError(http.idleTimeout));
    if (http.h2UpgradePolicy === "UPGRADE" && http.useClientProtocol === true) {
      report.error([...h, "useClientProtocol"], "dr-connection-pool", "use client protocol must not be true when H2UpgradePolicy is UPGRADE");
    }
    const ka = obj(http.http2KeepAlive);
    if (ka) {
      for (const f of ["interval", "timeout"]) {
        if (!isSet(ka[f])) report.error([...h, "http2KeepAlive"], "dr-connection-pool", `http2 keepalive ${f} is required`);
        else report.check([...h, "http2KeepAlive", f], "duration", durationError(ka[f]));
      }
    }
  }
  if (tcp) {
    const t = [...at, "tcp"];
    nonNegative(tcp, t, "maxConnections", "max connections");
    for (const f of ["connectTimeout", "maxConnectionDuration"]) if (isSet(tcp[f])) report.check([...t, f], "duration", durationError(tcp[f]));
    // tcp.idleTimeout 0s disables the timeout and is allowed.
    if (isSet(tcp.idleTimeout) && parseDurationNs(str(tcp.idleTimeout)) !== 0) report.check([...t, "idleTimeout"], "duration", durationError(tcp.idleTimeout));
    const ka = obj(tcp.tcpKeepalive);
    if (ka) for (const f of ["time", "interval"]) if (isSet(ka[f])) report.check([...t, "tcpKeepalive", f], "duration", durationError(ka[f]));
  }
}

/** Envoy's isPrime (source/common/common/utility.cc), as Istio copies it. */
function isPrime(x: number): boolean {
  if (x !== 0 && x < 4) return true;
  if (x % 2 === 0) return false;
  const limit = Math.floor(Math.sqrt(x));
  for (let f = 3; f <= limit; f += 2) if (x % f === 0) return false;
  return true;
}

function validateLoadBalancer(report: Report, lb: Obj | undefined, at: FieldPath): void {
  if (!lb) return;
  const ch = obj(lb.consistentHash);
  if (ch) {
    const c = [...at, "consistentHash"];
    const cookie = obj(ch.httpCookie);
    if (cookie) {
      if (str(cookie.name) === "") report.error([...c, "httpCookie", "name"], "dr-lb-cookie", "name required for HttpCookie");
      const attrs = new Set<string>();
      arr(cookie.attributes).forEach((a, i) => {
        const name = str(obj(a)?.name);
        if (name === "") return report.error([...c, "httpCookie", "attributes", i], "dr-lb-cookie", "cookie attribute name cannot be empty");
        if (attrs.has(name)) report.error([...c, "httpCookie", "attributes", i, "name"], "dr-lb-cookie", `duplicate cookie attribute name: ${name}`);
        attrs.add(name);
      });
    }
    if (num(ch.minimumRingSize) !== 0) {
      report.warn([...c, "minimumRingSize"], "dr-lb-ring-size-deprecated", "consistent hash MinimumRingSize is deprecated, use ConsistentHashLB's RingHash configuration instead");
      if (isSet(ch.ringHash) || isSet(ch.maglev)) report.error([...c, "minimumRingSize"], "dr-lb-ring-size", "only one of MinimumRingSize or Maglev/Ringhash can be specified");
    }
    const maglev = obj(ch.maglev);
    if (maglev) {
      const size = num(maglev.tableSize);
      const p = [...c, "maglev", "tableSize"];
      if (size === 0) report.error(p, "dr-lb-maglev", "tableSize must be set for maglev");
      if (size >= 5000011) report.error(p, "dr-lb-maglev", "tableSize must be less than 5000011 for maglev");
      if (!isPrime(size)) report.error(p, "dr-lb-maglev", "tableSize must be a prime number for maglev");
    }
  }
  if (isSet(lb.localityLbSetting) && isSet(lb.zoneAwareLbSetting)) report.error(at, "dr-lb-locality", "only one of localityLbSetting and zoneAwareLbSetting can be set");
  const locality = obj(lb.localityLbSetting);
  if (locality) {
    arr(locality.distribute).forEach((d, i) => {
      let sum = 0;
      for (const [, w] of strMap(obj(d)?.to)) sum += num(w);
      if (strMap(obj(d)?.to).length > 0 && sum !== 100) {
        report.error([...at, "localityLbSetting", "distribute", i, "to"], "dr-lb-locality", `total weight across localities must be 100, got ${sum}`);
      }
    });
    if (arr(locality.distribute).length > 0 && arr(locality.failover).length > 0) {
      report.error([...at, "localityLbSetting"], "dr-lb-locality", "can not simultaneously specify 'distribute' and 'failover'");
    }
    arr(locality.failover).forEach((f, i) => {
      const from = str(obj(f)?.from);
      const to = str(obj(f)?.to);
      if (from === to) report.error([...at, "localityLbSetting", "failover", i], "dr-lb-locality", "locality lb failover settings must specify different regions");
      if (from.includes("/") || to.includes("/")) report.error([...at, "localityLbSetting", "failover", i], "dr-lb-locality", "locality lb failover only specify region");
      if (from.includes("*") || to.includes("*")) report.error([...at, "localityLbSetting", "failover", i], "dr-lb-locality", "locality lb failover region should not contain '*' wildcard");
    });
  }
  const warm = obj(lb.warmup);
  if (warm) {
    if (!isSet(warm.duration)) report.error([...at, "warmup"], "dr-lb-warmup", "duration is required");
    else report.check([...at, "warmup", "duration"], "duration", durationError(warm.duration));
    if (num(warm.minimumPercent) > 100) report.error([...at, "warmup", "minimumPercent"], "dr-lb-warmup", "minimumPercent value should be less than or equal to 100");
    if (isSet(warm.aggression) && num(warm.aggression) <= 0) report.error([...at, "warmup", "aggression"], "dr-lb-warmup", "aggression should be greater than 0");
  }
}

function validatePortTrafficPolicies(report: Report, settings: unknown[], at: FieldPath): void {
  settings.forEach((raw, i) => {
    const p = [...at, i];
    const t = obj(raw);
    if (!t) return report.error(p, "dr-port-policy", "traffic policy may not be null");
    if (!isSet(t.port)) report.error(p, "dr-port-policy", "portTrafficPolicy must have valid port");
    if (!["outlierDetection", "connectionPool", "loadBalancer", "tls"].some((f) => isSet(t[f]))) {
      return report.error(p, "dr-port-policy", "port traffic policy must have at least one field");
    }
    validateOutlierDetection(report, obj(t.outlierDetection), [...p, "outlierDetection"]);
    validateConnectionPool(report, obj(t.connectionPool), [...p, "connectionPool"]);
    validateLoadBalancer(report, obj(t.loadBalancer), [...p, "loadBalancer"]);
  });
}
