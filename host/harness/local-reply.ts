// What the client sees for a local reply: envoy source/common/http/utility.cc
// Utility::sendLocalReply / prepareLocalReply. :status, then the headers the filter passed,
// then content-length and (if absent) content-type: text/plain when the body is not empty.
// gRPC requests get a trailers-only response: :status 200, content-type application/grpc,
// grpc-status (given, or mapped from the HTTP status) and grpc-message (the body).
import { HeaderMap } from "./header-map.ts";
import type { LocalReply } from "./types.ts";

const decoder = new TextDecoder();

/** envoy source/common/grpc/status.cc Utility::httpToGrpcStatus */
export function httpToGrpcStatus(http: number): number {
  switch (http) {
    case 400: return 13;
    case 401: return 16;
    case 403: return 7;
    case 404: return 12;
    case 429: case 502: case 503: case 504: return 14;
    default: return 2;
  }
}

/** envoy Grpc::Common::isGrpcRequestHeaders: content-type application/grpc[+...|;...]. */
export function isGrpcRequest(headers: HeaderMap): boolean {
  const ct = headers.get("content-type");
  if (ct === undefined || !ct.startsWith("application/grpc")) return false;
  const rest = ct.charAt(16);
  return rest === "" || rest === "+" || rest === ";";
}

/** PercentEncoding::encode for grpc-message: bytes outside 0x20..0x7e and '%' escaped. */
function percentEncode(s: string): string {
  let out = "";
  for (const b of Buffer.from(s, "utf8")) {
    out += b < 0x20 || b > 0x7e || b === 0x25 ? "%" + b.toString(16).toUpperCase().padStart(2, "0") : String.fromCharCode(b);
  }
  return out;
}

export function clientLocalReply(reply: LocalReply, grpcRequest: boolean): { headers: HeaderMap; body: Uint8Array | null } {
  const m = new HeaderMap();
  m.add(":status", String(reply.status));
  for (const [k, v] of reply.headers) m.add(k, v);
  const body = reply.body;
  if (grpcRequest) {
    m.set(":status", "200");
    m.set("content-type", "application/grpc");
    if (m.get("grpc-status") === undefined) {
      m.set("grpc-status", String(reply.grpcStatus ?? httpToGrpcStatus(reply.status)));
    }
    if (body.length > 0) m.set("grpc-message", percentEncode(decoder.decode(body)));
    m.remove("content-length");
    return { headers: m, body: null };
  }
  if (body.length > 0) {
    m.set("content-length", String(body.length));
    if (m.get("content-type") === undefined) m.add("content-type", "text/plain");
    return { headers: m, body };
  }
  return { headers: m, body: null };
}
