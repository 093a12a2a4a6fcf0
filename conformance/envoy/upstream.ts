// One recording upstream for every cluster of an Envoy under test. The Istio tool gives each
// Envoy cluster its own loopback IP (127.a.b.c) at one shared port, and the server listens on
// 0.0.0.0, so the address a request arrived on (`socket.localAddress`) names the cluster: one
// server and one port, however many clusters.
//
// HTTP/1.1 on `port`; h2c (HTTP/2 with prior knowledge, Istio's protocol for ports named
// http2/grpc) on `h2cPort`. Both record into the same list.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createH2cServer, constants as h2, type Http2Server, type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import type { AddressInfo, Socket } from "node:net";
import { unwire } from "./client.ts";

export type HeaderPairs = Array<[string, string]>;

export interface RecordedRequest {
  /** The cluster the arrival address maps to, or `unknown:<address>`. */
  cluster: string;
  /** The local address the request arrived on (the cluster's loopback IP). */
  address: string;
  protocol: "HTTP/1.1" | "HTTP/2";
  method: string;
  /** The request target exactly as received (`:path` for HTTP/2). */
  path: string;
  /** Host header (HTTP/1.1) or `:authority` (HTTP/2). */
  authority: string | undefined;
  /** Every header in arrival order, names lower-cased, duplicates kept (HTTP/2: pseudo-headers too). */
  headers: HeaderPairs;
  body: Buffer;
  /** Epoch milliseconds (fractional) when the request head arrived. */
  arrivedAt: number;
  /** 1 for the first request to this cluster since its behaviour was last set, 2 for the next, … */
  attempt: number;
}

export interface Behaviour {
  /** Default 200. */
  status?: number;
  /** Default `cluster=<name>\n`. */
  body?: string | Buffer;
  /** Added to the response, in order. `x-upstream-cluster` is always sent. */
  headers?: HeaderPairs;
  /** Wait this long after the request body arrived before answering (or resetting). */
  delayMs?: number;
  /** Reset the connection (HTTP/2: the stream) instead of answering. */
  reset?: boolean;
  /** The first N attempts get `failStatus` (default 503) with an empty body, later ones the normal answer. */
  failFirst?: number;
  failStatus?: number;
}

export interface RecordingUpstreamOptions {
  /** Loopback address → cluster name. More can be added with addClusters. */
  clusters?: Record<string, string> | Map<string, string>;
  /** Also serve h2c on another port. Default true. */
  h2c?: boolean;
}

type AnyRequest = IncomingMessage | Http2ServerRequest;
type AnyResponse = ServerResponse | Http2ServerResponse;

export class RecordingUpstream {
  readonly requests: RecordedRequest[] = [];
  private readonly clusters = new Map<string, string>();
  private readonly behaviours = new Map<string, Behaviour>();
  private readonly attempts = new Map<string, number>();
  private defaultBehaviour: Behaviour = {};
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly http1: Server,
    private readonly http2: Http2Server | null,
  ) {}

  /** The HTTP/1.1 port (on every address). */
  get port(): number {
    return (this.http1.address() as AddressInfo).port;
  }

  /** The h2c port, or 0 when h2c is off. */
  get h2cPort(): number {
    return this.http2 ? (this.http2.address() as AddressInfo).port : 0;
  }

  static async start(opts: RecordingUpstreamOptions = {}): Promise<RecordingUpstream> {
    // insecureHTTPParser: record whatever Envoy forwards (bytes ≥ 0x80 in the path, odd header
    // values) instead of answering 400 from Node's strict parser.
    const http1 = createServer({ insecureHTTPParser: true, keepAlive: true });
    const http2 = opts.h2c === false ? null : createH2cServer();
    const up = new RecordingUpstream(http1, http2);
    up.addClusters(opts.clusters ?? {});
    http1.on("request", (req, res) => up.handle(req, res, "HTTP/1.1"));
    http2?.on("request", (req, res) => up.handle(req, res, "HTTP/2"));
    for (const server of [http1, http2]) {
      if (!server) continue;
      server.on("connection", (s: Socket) => {
        up.sockets.add(s);
        s.on("close", () => up.sockets.delete(s));
      });
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "0.0.0.0", () => resolve());
      });
    }
    return up;
  }

  addClusters(clusters: Record<string, string> | Map<string, string>): void {
    const entries = clusters instanceof Map ? clusters.entries() : Object.entries(clusters);
    for (const [address, cluster] of entries) this.clusters.set(address, cluster);
  }

  /** Set how one cluster answers (and restart its attempt count); `"*"` sets the default. */
  behave(cluster: string, behaviour: Behaviour): void {
    if (cluster === "*") this.defaultBehaviour = behaviour;
    else this.behaviours.set(cluster, behaviour);
    this.attempts.delete(cluster);
  }

  requestsFor(cluster: string): RecordedRequest[] {
    return this.requests.filter((r) => r.cluster === cluster);
  }

  /** Forget recorded requests, behaviours and attempt counts. */
  reset(): void {
    this.requests.length = 0;
    this.behaviours.clear();
    this.attempts.clear();
    this.defaultBehaviour = {};
  }

  /** Resolves when `count` requests have been recorded (for requests that are still in flight). */
  async waitForRequests(count: number, timeoutMs = 5000): Promise<RecordedRequest[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.requests.length < count) {
      if (Date.now() > deadline) throw new Error(`upstream: ${this.requests.length} of ${count} requests after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.requests;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all(
      [this.http1, this.http2].map((s) => (s ? new Promise<void>((resolve) => s.close(() => resolve())) : undefined)),
    );
  }

  private handle(req: AnyRequest, res: AnyResponse, protocol: RecordedRequest["protocol"]): void {
    const arrivedAt = performance.timeOrigin + performance.now();
    const address = normaliseAddress(req.socket.localAddress ?? "");
    const cluster = this.clusters.get(address) ?? `unknown:${address}`;
    const attempt = (this.attempts.get(cluster) ?? 0) + 1;
    this.attempts.set(cluster, attempt);
    const headers: HeaderPairs = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i].toLowerCase(), protocol === "HTTP/2" ? req.rawHeaders[i + 1] : unwire(req.rawHeaders[i + 1])]);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      this.requests.push({
        cluster,
        address,
        protocol,
        method: req.method ?? "",
        path: protocol === "HTTP/2" ? req.url ?? "" : unwire(req.url ?? ""),
        authority: protocol === "HTTP/2" ? (req.headers[":authority"] as string | undefined) : req.headers.host === undefined ? undefined : unwire(req.headers.host),
        headers,
        body: Buffer.concat(chunks),
        arrivedAt,
        attempt,
      });
      const b = this.behaviours.get(cluster) ?? this.defaultBehaviour;
      const answer = () => this.answer(req, res, cluster, attempt, b);
      if (b.delayMs) setTimeout(answer, b.delayMs);
      else answer();
    });
  }

  private answer(req: AnyRequest, res: AnyResponse, cluster: string, attempt: number, b: Behaviour): void {
    if (b.reset) {
      if ("stream" in req) req.stream.close(h2.NGHTTP2_INTERNAL_ERROR);
      else req.socket.destroy();
      return;
    }
    const failing = attempt <= (b.failFirst ?? 0);
    const status = failing ? (b.failStatus ?? 503) : (b.status ?? 200);
    const body = failing ? "" : (b.body ?? `cluster=${cluster}\n`);
    // Grouped by name: both response APIs take repeated values as an array, in order.
    const grouped = new Map<string, string[]>([["x-upstream-cluster", [cluster]]]);
    for (const [name, value] of failing ? [] : (b.headers ?? [])) {
      const key = name.toLowerCase();
      grouped.set(key, [...(grouped.get(key) ?? []), value]);
    }
    for (const [name, values] of grouped) res.setHeader(name, values.length === 1 ? values[0] : values);
    res.statusCode = status;
    (res as ServerResponse).end(body);
  }
}

/** IPv4 arrivals on a dual-stack socket read `::ffff:127.1.2.3`. */
function normaliseAddress(address: string): string {
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}
