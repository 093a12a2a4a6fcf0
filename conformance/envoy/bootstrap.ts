// Small builders for hand-written Envoy bootstraps (JSON form of envoy.config.bootstrap.v3), and
// the address rewriting EnvoyProcess applies to bootstraps made elsewhere (conformance/istio).
import { join } from "node:path";
import { REPO_ROOT } from "./binary.ts";

type Json = Record<string, unknown>;

export const GATEWASM_WASM = join(REPO_ROOT, "build", "gatewasm.wasm");

function socketAddress(address: string, port: number): Json {
  return { socket_address: { address, port_value: port } };
}

/** A copy of the bootstrap with the admin endpoint on ip:port (port 0: the kernel picks). */
export function withAdmin(bootstrap: object, ip: string, port = 0): Json {
  const b = structuredClone(bootstrap) as Json;
  b.admin = { ...((b.admin as Json | undefined) ?? {}), address: socketAddress(ip, port) };
  return b;
}

/**
 * A copy with every static listener's socket address (and additional addresses) moved to ip,
 * keeping its port: the filter keys route tables on the port, so ports must stay Istio's.
 */
export function rebindListeners(bootstrap: object, ip: string): Json {
  const b = structuredClone(bootstrap) as Json;
  const listeners = ((b.static_resources as Json | undefined)?.listeners as Json[] | undefined) ?? [];
  const move = (addr: Json | undefined) => {
    const sa = addr?.socket_address as Json | undefined;
    if (sa) sa.address = ip;
  };
  for (const l of listeners) {
    move(l.address as Json | undefined);
    for (const extra of (l.additional_addresses as Json[] | undefined) ?? []) move(extra.address as Json | undefined);
  }
  return b;
}

export interface WasmFilterOptions {
  wasmPath?: string;
  /** The plugin configuration, passed as a google.protobuf.BytesValue; absent = empty. */
  configuration?: Uint8Array;
  /** PluginConfig.failure_policy; "legacy-fail-open-false" uses the deprecated `fail_open: false`. */
  failurePolicy?: "FAIL_CLOSED" | "FAIL_OPEN" | "FAIL_RELOAD" | "legacy-fail-open-false";
  rootId?: string;
  vmId?: string;
}

/** The Wasm HTTP filter running build/gatewasm.wasm on V8, as the rollout's EnvoyFilter inserts it. */
export function wasmFilter(opts: WasmFilterOptions = {}): Json {
  const config: Json = {
    name: "gatewasm",
    root_id: opts.rootId ?? "gatewasm",
    vm_config: {
      vm_id: opts.vmId ?? "gatewasm",
      runtime: "envoy.wasm.runtime.v8",
      code: { local: { filename: opts.wasmPath ?? GATEWASM_WASM } },
    },
  };
  const policy = opts.failurePolicy ?? "FAIL_CLOSED";
  if (policy === "legacy-fail-open-false") config.fail_open = false;
  else config.failure_policy = policy;
  if (opts.configuration && opts.configuration.length > 0) {
    config.configuration = {
      "@type": "type.googleapis.com/google.protobuf.BytesValue",
      value: Buffer.from(opts.configuration).toString("base64"),
    };
  }
  return {
    name: "envoy.filters.http.wasm",
    typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm", config },
  };
}

export function routerFilter(): Json {
  return {
    name: "envoy.filters.http.router",
    typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" },
  };
}

export interface HttpListenerOptions {
  name?: string;
  /** Listener address; EnvoyProcess rebinds it to the instance's IP anyway. */
  address?: string;
  port: number;
  virtualHosts: object[];
  /** HTTP filters before the router. */
  httpFilters?: object[];
}

/** A plain-HTTP listener with an HTTP connection manager and an inline route configuration. */
export function httpListener(opts: HttpListenerOptions): Json {
  return {
    name: opts.name ?? `listener_${opts.port}`,
    address: socketAddress(opts.address ?? "127.0.0.1", opts.port),
    filter_chains: [
      {
        filters: [
          {
            name: "envoy.filters.network.http_connection_manager",
            typed_config: {
              "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
              stat_prefix: opts.name ?? `listener_${opts.port}`,
              route_config: { name: `route_${opts.port}`, virtual_hosts: opts.virtualHosts },
              http_filters: [...(opts.httpFilters ?? []), routerFilter()],
            },
          },
        ],
      },
    ],
  };
}

/** A STATIC cluster with one endpoint; http2 = h2c (prior knowledge) to the upstream. */
export function staticCluster(name: string, address: string, port: number, opts: { http2?: boolean; connectTimeout?: string } = {}): Json {
  const cluster: Json = {
    name,
    type: "STATIC",
    connect_timeout: opts.connectTimeout ?? "2s",
    load_assignment: {
      cluster_name: name,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(address, port) } }] }],
    },
  };
  if (opts.http2) {
    cluster.typed_extension_protocol_options = {
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
        "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
        explicit_http_config: { http2_protocol_options: {} },
      },
    };
  }
  return cluster;
}

/** A bootstrap from listeners and clusters (admin is added by EnvoyProcess). */
export function bootstrap(listeners: object[], clusters: object[] = []): Json {
  return { static_resources: { listeners, clusters } };
}
