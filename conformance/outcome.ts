// What a request's handling looks like from outside a gateway, in one shape for the three ways
// a case runs: (a) the harness with our filter, (b) real Envoy on Istio's configuration alone,
// (c) real Envoy on Istio's configuration plus our rollout. A case passes when (c) equals (b);
// (a) ≠ (c) is a harness (or harness-model) difference.
import type { RequestResult } from "../host/harness/index.ts";

export type Pairs = Array<[string, string]>;

/** A request as a client sends it to the gateway (no normalisation anywhere). */
export interface ClientRequest {
  method: string;
  /** "https" only on a TLS listener. */
  scheme: "http" | "https";
  /** Sent as `Host` (HTTP/1.1) exactly as given. */
  authority: string;
  path: string;
  /** Ordinary headers in order; duplicates allowed. */
  headers: Pairs;
  /** The port the gateway's listener binds (Envoy's destination.port). */
  listenerPort: number;
  sni?: string;
  body?: string;
}

export interface UpstreamRequestSeen {
  method: string;
  path: string;
  authority: string;
  /** Ordinary headers (no pseudo-headers), names lower-cased, in order. */
  headers: Pairs;
}

export interface Outcome {
  /** upstream: the request reached an upstream; local: a local reply; refused: no listener. */
  kind: "upstream" | "local" | "refused";
  /** Cluster of the last upstream attempt. */
  cluster: string | null;
  /** Upstream attempts (retries make more than one). */
  attempts: number;
  status: number;
  upstreamRequest: UpstreamRequestSeen | null;
  responseHeaders: Pairs;
  body: string;
  /** Time from sending to the response, minus the upstream's own time (real Envoy), or the injected delay (harness). */
  delayMs: number;
}

/** Headers whose values differ on every request or depend on timing, ignored in every comparison. */
const VOLATILE = new Set(["x-request-id", "date", "x-envoy-upstream-service-time"]);

/**
 * Headers a real Envoy adds on its own, on the way up (HCM edge behaviour: x-forwarded-for,
 * x-forwarded-proto, x-request-id, x-envoy-external-address, the router's x-envoy-attempt-count,
 * x-envoy-expected-rq-timeout-ms...) or down (date, server, framing). The harness runs only the
 * filter, so (a) vs (c) compares what is left.
 */
const ENVOY_ADDED_UP = new Set(["x-forwarded-for", "x-forwarded-proto", "x-request-id", "content-length", "transfer-encoding", "connection", "keep-alive"]);
const ENVOY_ADDED_DOWN = new Set(["date", "server", "content-length", "transfer-encoding", "connection", "keep-alive", "x-envoy-upstream-service-time"]);

function without(headers: Pairs, drop: (name: string) => boolean): Pairs {
  return headers.filter(([k]) => !drop(k.toLowerCase())).map(([k, v]) => [k.toLowerCase(), v]);
}

export interface CompareOptions {
  /**
   * Header names left out of every comparison: the filter's own internal headers, which our
   * rollout reserves (a client's values never reach an upstream) while Istio alone forwards them
   * like any other header. That is the one intended difference between (c) and (b).
   */
  reserved: string[];
  /** The matched route splits traffic by weight: the cluster (and what depends on it) is a random draw; only membership is checked. */
  weightedClusters?: string[];
  /** (a) vs (c): ignore what Envoy adds by itself. */
  ignoreEnvoyAdded: boolean;
  /** Compare bodies of upstream responses too (both sides got them from the same upstream). */
  upstreamBodies: boolean;
  /** Delay tolerance in ms. */
  delayToleranceMs: number;
  /** Compare upstream attempts (the harness has no router, so no retries). */
  compareAttempts: boolean;
}

/**
 * Headers as HTTP defines them: the order of different field names carries no meaning, the order
 * of one name's values does (RFC 9110 §5.3). Names sorted, each name's values in order.
 */
const show = (h: Pairs) => {
  const byName = new Map<string, string[]>();
  for (const [k, v] of h) byName.set(k, [...(byName.get(k) ?? []), v]);
  return [...byName.keys()].sort().map((k) => `${k}: ${byName.get(k)!.join(", ")}`).join(" | ");
};

/** The differences between `expected` and `actual`, as readable lines; empty = agree. */
export function diffOutcomes(expected: Outcome, actual: Outcome, options: CompareOptions): string[] {
  const out: string[] = [];
  const field = (name: string, e: unknown, a: unknown) => {
    if (JSON.stringify(e) !== JSON.stringify(a)) out.push(`${name}: expected ${JSON.stringify(e)}, got ${JSON.stringify(a)}`);
  };
  const weighted = options.weightedClusters;
  if (weighted) {
    // A weighted route: the destination is a random draw. Both must be among the route's, and
    // when they drew different ones (the caller tries to make them draw the same) nothing else
    // — status, headers per destination, body — is comparable.
    for (const [side, o] of [["expected", expected], ["actual", actual]] as const) {
      if (o.cluster !== null && !weighted.includes(o.cluster)) out.push(`cluster (${side}) ${o.cluster} is not one of the route's weighted destinations ${weighted.join(", ")}`);
    }
    if (expected.cluster !== actual.cluster || expected.kind !== actual.kind) {
      out.push(`draw: expected ${expected.kind} ${expected.cluster}, got ${actual.kind} ${actual.cluster} (a weighted route's other destination)`);
      return out;
    }
  }
  field("kind", expected.kind, actual.kind);
  field("status", expected.status, actual.status);
  field("cluster", expected.cluster, actual.cluster);
  if (options.compareAttempts) field("attempts", expected.attempts, actual.attempts);
  const reserved = new Set(options.reserved);
  const up = (h: Pairs) => without(h, (k) => VOLATILE.has(k) || reserved.has(k) || (options.ignoreEnvoyAdded && (ENVOY_ADDED_UP.has(k) || k.startsWith("x-envoy-"))));
  const down = (h: Pairs) => without(h, (k) => VOLATILE.has(k) || (options.ignoreEnvoyAdded && ENVOY_ADDED_DOWN.has(k)));
  const eu = expected.upstreamRequest, au = actual.upstreamRequest;
  if (eu && au) {
    field("upstream :method", eu.method, au.method);
    field("upstream :path", eu.path, au.path);
    field("upstream :authority", eu.authority, au.authority);
    const eh = show(up(eu.headers)), ah = show(up(au.headers));
    if (eh !== ah) out.push(`upstream headers: expected [${eh}], got [${ah}]`);
  }
  const er = show(down(expected.responseHeaders)), ar = show(down(actual.responseHeaders));
  if (er !== ar) out.push(`response headers: expected [${er}], got [${ar}]`);
  if (expected.kind !== "upstream" || options.upstreamBodies) field("body", expected.body, actual.body);
  if (Math.abs(expected.delayMs - actual.delayMs) > options.delayToleranceMs) {
    out.push(`delay: expected ${expected.delayMs} ms, got ${actual.delayMs} ms (±${options.delayToleranceMs})`);
  }
  return out;
}

const DELAY = /gatewasm fault delay=(\d+)ms/;

/**
 * The harness's result as the client would see it; `clusterHeader`/`policyHeader` are the
 * filter's internal headers. A response to HEAD reaches the client without its body (RFC 9110
 * §9.3.2; Envoy's codec drops it), whatever the filter put in its local reply.
 */
export function outcomeFromHarness(result: RequestResult, clusterHeader: string, policyHeader: string, method: string): Outcome {
  const delay = result.logs.map((l) => DELAY.exec(l.message)).find((m) => m !== null);
  const delayMs = delay ? Number(delay[1]) : 0;
  const response = result.response;
  const responseHeaders = (response?.headers ?? []).filter(([k]) => !k.startsWith(":")) as Pairs;
  const body = method === "HEAD" ? "" : Buffer.from(response?.body ?? new Uint8Array()).toString("utf8");
  const sent = result.upstreamRequest;
  if (!sent || response?.source !== "upstream") {
    return { kind: "local", cluster: null, attempts: 0, status: response?.status ?? 0, upstreamRequest: null, responseHeaders, body, delayMs };
  }
  const pseudo = (name: string) => sent.headers.find(([k]) => k === name)?.[1] ?? "";
  const cluster = sent.headers.find(([k]) => k === clusterHeader)?.[1] ?? null;
  return {
    kind: "upstream",
    cluster,
    attempts: 1,
    status: response.status,
    upstreamRequest: {
      method: pseudo(":method"),
      path: pseudo(":path"),
      authority: pseudo(":authority"),
      // The generated route strips the filter's internal headers before the upstream sees them.
      headers: sent.headers.filter(([k]) => !k.startsWith(":") && k !== clusterHeader && k !== policyHeader) as Pairs,
    },
    responseHeaders,
    body,
    delayMs,
  };
}
