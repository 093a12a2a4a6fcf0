// A test client that says exactly what the test wrote: the Host header is the given authority
// byte for byte, the request target is the given path (absolute-form included), headers go out in
// the given order with duplicates. One fresh connection per request unless an agent is passed.
import { request as httpRequest, type Agent, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { HeaderPairs } from "./upstream.ts";

export interface Target {
  /** The listener's IP (EnvoyProcess.ip). */
  host: string;
  port: number;
}

export interface RequestSpec {
  method?: string;
  /** Default "http". https: TLS with SNI = serverName, certificate not verified. */
  scheme?: "http" | "https";
  /** Sent as the Host header, as given. Undefined: no Host header at all. */
  authority?: string;
  /** The request target as given ("/a?b", "http://x/y", "*"). Default "/". */
  path?: string;
  headers?: HeaderPairs;
  body?: string | Uint8Array;
  /** SNI. Default: the authority without its port (nothing for an IP literal, as Node never sends IP SNI). */
  serverName?: string;
  /** Default 10 s; the promise rejects on expiry. */
  timeoutMs?: number;
  /** Default false: a fresh connection per request. Pass a keep-alive Agent to reuse connections. */
  agent?: Agent | false;
}

export interface Response {
  status: number;
  /** In arrival order, names lower-cased. */
  headers: HeaderPairs;
  body: string;
  bodyBytes: Buffer;
  /** From sending the request to the end of the response body. */
  elapsedMs: number;
}

/** The first value of a header (name case-insensitive), from a response or a recorded request. */
export function header(headers: HeaderPairs, name: string): string | undefined {
  const lower = name.toLowerCase();
  return headers.find(([n]) => n === lower)?.[1];
}

export function headerValues(headers: HeaderPairs, name: string): string[] {
  const lower = name.toLowerCase();
  return headers.filter(([n]) => n === lower).map(([, v]) => v);
}

/**
 * Node's HTTP/1 code writes and reads header values and the request target as Latin-1, one byte
 * a character. Text goes on the wire as its UTF-8 bytes, as curl would send it.
 */
export const wire = (text: string): string => Buffer.from(text, "utf8").toString("latin1");
export const unwire = (latin1: string): string => Buffer.from(latin1, "latin1").toString("utf8");

export function sendRequest(target: Target, spec: RequestSpec): Promise<Response> {
  const https = spec.scheme === "https";
  const raw: string[] = [];
  if (spec.authority !== undefined) raw.push("Host", wire(spec.authority));
  for (const [n, v] of spec.headers ?? []) raw.push(n, wire(v));
  const body = spec.body === undefined ? undefined : Buffer.from(spec.body);
  // Node sends a raw-header-array request body chunked; a known body gets a Content-Length
  // instead, as curl would send it, unless the test framed the body itself.
  const framed = (spec.headers ?? []).some(([n]) => /^(content-length|transfer-encoding)$/i.test(n));
  if (body && !framed) raw.push("Content-Length", String(body.length));
  const timeoutMs = spec.timeoutMs ?? 10_000;
  const options = {
    host: target.host,
    port: target.port,
    method: spec.method ?? "GET",
    path: wire(spec.path ?? "/"),
    headers: raw,
    setHost: false,
    agent: spec.agent ?? false,
    ...(https ? { servername: spec.serverName ?? sniFrom(spec.authority), rejectUnauthorized: false } : {}),
  };
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        clearTimeout(timer);
        const headers: HeaderPairs = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) headers.push([res.rawHeaders[i].toLowerCase(), unwire(res.rawHeaders[i + 1])]);
        const bodyBytes = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers, body: bodyBytes.toString("utf8"), bodyBytes, elapsedMs: performance.now() - started });
      });
    };
    const req = https ? httpsRequest(options, onResponse) : httpRequest(options, onResponse);
    const timer = setTimeout(() => req.destroy(new Error(`request timed out after ${timeoutMs} ms`)), timeoutMs);
    req.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(body);
  });
}

function sniFrom(authority: string | undefined): string | undefined {
  if (!authority) return undefined;
  const host = authority.startsWith("[") ? authority.slice(0, authority.indexOf("]") + 1) : authority.replace(/:\d*$/, "");
  return /^[\d.]+$|^\[/.test(host) ? undefined : host;
}
