// The benchmark's upstream: a second Envoy that answers every request itself (`direct_response`
// 200) on 0.0.0.0:PORT, so it answers on every cluster address the Istio tool hands out
// (127.201.x.y, one port for all). It names the address a request arrived on in
// `x-upstream-address`, which tells the benchmark which cluster the request was routed to.
// Why not conformance/envoy's RecordingUpstream: it is a Node server that records every request;
// at a benchmark's rate it, not the Envoy under test, would set the pace (see README, Performance).
import { createServer } from "node:net";
import { EnvoyProcess, EnvoyStartError } from "../conformance/envoy/index.ts";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "0.0.0.0", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function upstreamBootstrap(port: number): object {
  return {
    static_resources: {
      listeners: [{
        name: "bench_upstream",
        address: { socket_address: { address: "0.0.0.0", port_value: port } },
        filter_chains: [{
          filters: [{
            name: "envoy.filters.network.http_connection_manager",
            typed_config: {
              "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
              stat_prefix: "bench_upstream",
              codec_type: "AUTO",
              route_config: {
                name: "bench_upstream",
                virtual_hosts: [{
                  name: "any",
                  domains: ["*"],
                  routes: [{ match: { prefix: "/" }, direct_response: { status: 200, body: { inline_string: "ok\n" } } }],
                }],
                response_headers_to_add: [{ header: { key: "x-upstream-address", value: "%DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT%" } }],
              },
              http_filters: [{ name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } }],
            },
          }],
        }],
      }],
    },
  };
}

export class FastUpstream {
  private constructor(readonly envoy: EnvoyProcess, readonly port: number) {}

  static async start(): Promise<FastUpstream> {
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      try {
        const envoy = await EnvoyProcess.start(upstreamBootstrap(port), { concurrency: 1, rebind: false, logLevel: "warning" });
        return new FastUpstream(envoy, port);
      } catch (e) {
        if (!(e instanceof EnvoyStartError) || !/Address already in use|cannot bind/i.test(e.log) || attempt >= 3) throw e;
      }
    }
  }

  stop(): Promise<void> {
    return this.envoy.stop();
  }
}
