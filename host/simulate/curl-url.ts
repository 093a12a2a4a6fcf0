// A URL as curl sends it. `gatewasm simulate METHOD URL` takes the URL of the tutorials' curl
// lines, so the request Envoy would see is the one curl builds, not a normalised one: curl
// (7.88, checked in test/simulate/curl.test.ts) writes the Host header from the URL's host as
// typed (case kept) and adds the port only when it is not the scheme's default
// (`http://h:80/` → `Host: h`, `http://h:8080/` → `Host: h:8080`); `-H 'Host: …'` replaces it
// verbatim; user:password@ never reaches the Host header; the fragment is never sent. The path
// is taken as WHATWG URL parsing leaves it (dot segments removed, as curl does without
// --path-as-is).

export interface CurlTarget {
  scheme: "http" | "https";
  /** The host as typed (IPv6 in brackets); the TLS SNI curl sends is this host, lower-cased by nothing. */
  host: string;
  /** The port the connection goes to: explicit, or the scheme's default. */
  port: number;
  explicitPort: boolean;
  /** What curl puts in Host / :authority. */
  authority: string;
  /** Path and query. */
  path: string;
}

const DEFAULT_PORT = { http: 80, https: 443 } as const;

export function parseCurlUrl(url: string): CurlTarget {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^#]*)/.exec(url);
  if (!m) throw new Error(`not a URL: ${JSON.stringify(url)} (expected http://host[:port]/path or https://…)`);
  const scheme = m[1]!.toLowerCase();
  if (scheme !== "http" && scheme !== "https") throw new Error(`unsupported scheme ${JSON.stringify(scheme)}: the gateway speaks http and https`);
  let hostPort = m[2]!;
  const at = hostPort.lastIndexOf("@");
  if (at >= 0) hostPort = hostPort.slice(at + 1);
  const hp = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(hostPort);
  if (!hp || hp[1] === "") throw new Error(`not a URL: ${JSON.stringify(url)} (no host)`);
  const host = hp[1]!;
  const portText = hp[2] ?? "";
  const port = portText === "" ? DEFAULT_PORT[scheme] : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`not a URL: ${JSON.stringify(url)} (port ${portText})`);
  const explicitPort = portText !== "";
  const authority = port === DEFAULT_PORT[scheme] ? host : `${host}:${port}`;
  // The path as the WHATWG parser normalises it (percent-encoding, dot segments), taken from a
  // URL with a neutral host so that the host's own spelling is never touched.
  const parsed = new URL(`${scheme}://x${m[3] || "/"}`);
  return { scheme, host, port, explicitPort, authority, path: `${parsed.pathname}${parsed.search}` };
}
