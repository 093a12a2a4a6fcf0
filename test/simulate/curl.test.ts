// `simulate` speaks curl (issue 12 item 3): the request Envoy sees is the one curl sends for the
// tutorials' command lines. The Host header curl builds is checked against curl itself where it
// is installed; the consequences (an exact authority match on case, a redirect keeping the port)
// are replayed through real Envoy with Istio's configuration by itAgreesThreeWays().
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCurlUrl } from "../../host/simulate/curl-url.ts";
import { itAgreesThreeWays } from "../support/three-way.ts";
import { sender, simulatorFor } from "../support/simulate.ts";

function curlVersion(): string | null {
  try {
    return execFileSync("curl", ["--version"], { encoding: "utf8" }).split("\n")[0] ?? null;
  } catch {
    return null;
  }
}

const CURL = curlVersion();
if (!CURL) console.warn("CURL ABSENT: the Host-header check against curl itself is skipped (apt-get install curl)");

describe("the Host header curl sends", () => {
  // A raw TCP server records the request head curl writes; --connect-to sends every URL there
  // without changing what curl writes for the URL.
  let server: Server;
  let port = 0;
  const heads: string[] = [];
  beforeAll(async () => {
    server = createServer((socket) => {
      socket.once("data", (d) => {
        heads.push(d.toString("latin1"));
        socket.end("HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
      });
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => { server?.close(); });

  const urls = [
    "http://h/", "http://h:80/", "http://H.Example.COM/x", "http://H.Example.COM:80/x", "http://h:8080/a?b=c",
    "http://user:pw@h:8080/", "http://[::1]:8080/", "http://[::1]/", "http://h/a/../b#frag", "http://10.0.0.1:31380/status/200",
  ];

  it.skipIf(!CURL).each(urls)("%s: parseCurlUrl gives the Host header and path curl sends", async (url) => {
    heads.length = 0;
    // Asynchronously: the recording server runs in this process.
    await promisify(execFile)("curl", ["-s", "-m", "10", "-o", "/dev/null", "--connect-to", `::127.0.0.1:${port}`, url]);
    const [requestLine, ...headerLines] = heads[0]!.split("\r\n");
    const host = headerLines.find((l) => /^host:/i.test(l))!.slice(5).trim();
    const target = parseCurlUrl(url);
    expect(host, CURL!).toBe(target.authority);
    expect(requestLine).toBe(`GET ${target.path} HTTP/1.1`);
  });

  it("the URL's port (or the scheme's default) is the port the connection goes to", () => {
    expect(parseCurlUrl("http://h/").port).toBe(80);
    expect(parseCurlUrl("https://h/").port).toBe(443);
    expect(parseCurlUrl("http://h:443/")).toMatchObject({ port: 443, authority: "h:443", scheme: "http" });
    expect(parseCurlUrl("https://h:443/")).toMatchObject({ port: 443, authority: "h" });
    expect(() => parseCurlUrl("ftp://h/")).toThrow(/unsupported scheme/);
    expect(() => parseCurlUrl("not a url")).toThrow(/not a URL/);
  });
});

const GATEWAY = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
  - port: {number: 8080, name: http-alt, protocol: HTTP}
    hosts: ["*"]
---
apiVersion: v1
kind: Service
metadata: {name: httpbin, namespace: default}
spec:
  ports: [{name: http, port: 8000}]
`;

describe("what Envoy does with the request curl sends", () => {
  // Envoy's virtual host lookup ignores case (route config: domains are matched
  // case-insensitively), but an `authority: {exact: …}` match is a case-sensitive header match
  // (envoy/source/common/router/config_impl.cc HeaderMatcher; Istio translates `authority` to a
  // `:authority` header matcher, pilot/pkg/networking/core/route/route.go translateHeaderMatch).
  const yaml = `${GATEWAY}---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin, namespace: default}
spec:
  hosts: [httpbin.example.com]
  gateways: [gw]
  http:
  - match:
    - authority: {exact: httpbin.example.com}
      uri: {prefix: /status}
    route:
    - destination: {host: httpbin, port: {number: 8000}}
  - match:
    - uri: {prefix: /old}
    redirect: {uri: /new}
`;

  it("an exact authority match is case-sensitive: the URL's host case reaches Envoy unchanged", async () => {
    const send = sender(await simulatorFor(yaml));
    expect(send("GET", "http://httpbin.example.com/status/200")).toMatchObject({ action: "route", cluster: "outbound|8000||httpbin.default.svc.cluster.local" });
    const upper = send("GET", "http://HTTPBIN.example.com/status/200");
    expect(upper).toMatchObject({ action: "not_found", status: 404 });
    expect(upper.explanation.join("\n")).toContain("virtual host httpbin.example.com:80");
    // curl -H 'Host: …' sets :authority, whatever the URL's host.
    expect(send("GET", "http://203.0.113.7/status/200", { headers: [["Host", "httpbin.example.com"]] })).toMatchObject({ action: "route" });
    expect(send("GET", "http://203.0.113.7/status/200", { headers: [["Host", "HTTPBIN.example.com"]] })).toMatchObject({ action: "not_found" });
  });

  it("a redirect keeps the request's host and port: :8080 stays in Location, a default :80 is not sent by curl", async () => {
    const send = sender(await simulatorFor(yaml));
    const alt = send("GET", "http://httpbin.example.com:8080/old");
    expect(alt.listener).toEqual({ port: 8080, listenerPort: 8080, kind: "http" });
    expect(alt).toMatchObject({ action: "redirect", status: 301 });
    expect(alt.responseHeaders?.location).toBe("http://httpbin.example.com:8080/new");
    expect(send("GET", "http://httpbin.example.com:80/old").responseHeaders?.location).toBe("http://httpbin.example.com/new");
    // An explicit Host with :80 is sent as written, and Envoy keeps it.
    expect(send("GET", "http://203.0.113.7/old", { headers: [["host", "httpbin.example.com:80"]] }).responseHeaders?.location).toBe("http://httpbin.example.com:80/new");
  });

  itAgreesThreeWays();
});
