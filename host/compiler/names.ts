// Host names and gateway references, as Istio resolves and compares them.
// Sources: istio/istio pilot/pkg/model/config.go (ResolveShortnameToFQDN, resolveGatewayName),
// pkg/config/host/name.go (SubsetOf), pkg/config/host/names.go (Intersection, NamesForNamespace).

import { isIP } from "node:net";

/** Reserved gateway name meaning "all sidecars" (constants.IstioMeshGateway). */
export const MESH_GATEWAY = "mesh";

/**
 * `ResolveShortnameToFQDN`: `*`, IPs and names containing a dot are kept; a short name `h` becomes
 * `h.<ns>.svc.<clusterDomain>`. No lower-casing happens here (config.go).
 */
export function resolveShortname(hostname: string, namespace: string, clusterDomain: string): string {
  if (hostname === "" || hostname === "*") return hostname;
  if (isIP(hostname) !== 0) return hostname;
  if (hostname.includes(".")) return hostname;
  let out = hostname;
  if (namespace !== "") out += "." + namespace;
  if (clusterDomain !== "") out += ".svc." + clusterDomain;
  return out;
}

/**
 * `resolveGatewayName`: `name` and `./name` ⇒ `<ns>/name`; `ns/name` kept; legacy FQDN
 * `name.ns[.svc.cluster.local]` ⇒ `ns/name`; `mesh` is kept by the callers (config.go).
 */
export function resolveGatewayName(gwName: string, namespace: string): string {
  if (gwName === MESH_GATEWAY) return gwName;
  const slash = gwName.indexOf("/");
  if (slash < 0) {
    const i = gwName.indexOf(".");
    if (i < 0) return `${namespace}/${gwName}`;
    // Legacy FQDN form: name.ns.svc.cluster.local -> ns/name (config.go "very hacky").
    const rest = gwName.slice(i + 1);
    const j = rest.indexOf(".");
    return j < 0 ? `${rest}/${gwName.slice(0, i)}` : `${rest.slice(0, j)}/${gwName.slice(0, i)}`;
  }
  if (gwName.slice(0, slash) === ".") return `${namespace}/${gwName.slice(slash + 1)}`;
  return gwName;
}

export function isWildcarded(name: string): boolean {
  return name.length > 0 && name[0] === "*";
}

/** `Name.SubsetOf`: is `a` covered by `b`? Case-sensitive, exactly as name.go. */
export function hostSubsetOf(a: string, b: string): boolean {
  const aw = isWildcarded(a);
  const bw = isWildcarded(b);
  if (aw) {
    if (bw) {
      if (a.length < b.length) return false;
      return a.slice(1).endsWith(b.slice(1));
    }
    return false;
  }
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}

/** `Names.Intersection` (names.go): for each h in `hs`, each o in `os`: add h if h ⊆ o, else o if o ⊆ h. */
export function hostIntersection(hs: string[], os: string[]): string[] {
  const out: string[] = [];
  for (const h of hs) {
    for (const o of os) {
      if (hostSubsetOf(h, o)) {
        if (!out.includes(h)) out.push(h);
      } else if (hostSubsetOf(o, h)) {
        if (!out.includes(o)) out.push(o);
      }
    }
  }
  return out;
}

/**
 * `NamesForNamespace` (names.go): keep `host` entries and `ns/host` entries whose ns is the given
 * namespace or `*`, namespace stripped. Server hosts were sanitized first (`./h` ⇒ `<gwNs>/h`).
 */
export function namesForNamespace(hosts: string[], namespace: string): string[] {
  const out: string[] = [];
  for (const h of hosts) {
    const slash = h.indexOf("/");
    if (slash >= 0) {
      const ns = h.slice(0, slash);
      if (ns !== namespace && ns !== "*") continue;
      out.push(h.slice(slash + 1));
    } else {
      out.push(h);
    }
  }
  return out;
}

/**
 * `sanitizeServerHostNamespace` (pilot/pkg/model/gateway.go): `./h` ⇒ `<gwNs>/h`, `*\/h` ⇒ `h`,
 * and `*\/*` replaces the whole host list with `["*"]` (later rewrites past its end are lost, as in Go).
 */
export function sanitizeServerHosts(hosts: string[], gwNamespace: string): string[] {
  let out = hosts.slice();
  hosts.forEach((h, i) => {
    const slash = h.indexOf("/");
    if (slash < 0) return;
    const ns = h.slice(0, slash);
    const name = h.slice(slash + 1);
    if (ns === ".") {
      if (i < out.length) out[i] = `${gwNamespace}/${name}`;
    } else if (ns === "*") {
      if (name === "*") {
        out = ["*"];
        return;
      }
      if (i < out.length) out[i] = name;
    }
  });
  return out;
}

/** `GetSNIHostsForServer` (gateway.go): hosts without namespace, de-duplicated and sorted. */
export function sniHostsForServer(hosts: string[]): string[] {
  const set = new Set<string>();
  for (const h of hosts) {
    const slash = h.indexOf("/");
    set.add(slash >= 0 ? h.split("/")[1]! : h);
  }
  // A `*` host leaves the filter chain without server_names, so it matches any SNI only after
  // every chain that names it (exact or wildcard) — the other hosts of the server do not count
  // (Istio's translator shows the chain without server_names; differential round, seed 1060).
  if (set.has("*")) return ["*"];
  return [...set].sort(compareStrings);
}

/** Byte-wise string order, as Go's `<` on strings (for ASCII input). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `labels.Instance.SubsetOf`: every label of `sub` is in `sup` with the same value. */
export function labelsSubsetOf(sub: Record<string, string> | undefined | null, sup: Record<string, string>): boolean {
  if (!sub) return true;
  for (const [k, v] of Object.entries(sub)) {
    if (sup[k] !== v) return false;
  }
  return true;
}
