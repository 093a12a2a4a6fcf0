// The WasmPlugin (extensions.istio.io/v1alpha1) that delivers a bundled module: Istio inserts
// the filter and pushes it to the gateway as an ECDS extension configuration; the route
// patches the filter still needs come from an EnvoyFilter with `routesOnly`
// (host/rollout/envoyfilter.ts). What Istio builds from it: a TrafficExtension
// (pilot/pkg/config/kube/extensions/controller.go) whose Wasm PluginConfig comes from
// pilot/pkg/model/extensions.go buildWasmConfig — root_id = pluginName, configuration = the JSON
// of pluginConfig as a StringValue, file:// → a local data source, anything else a remote one
// the istio-agent fetches (and checks against sha256), failStrategy → failure_policy — served to
// the gateway over ECDS (conformance/istio/ecds.go shows it).
import { ROOT_ID } from "../config/model.ts";

/**
 * FAIL_CLOSE (default): a VM that fails stops serving (503); FAIL_RELOAD: Envoy starts a new
 * VM and retries (envoy extensions/wasm/v3 FailurePolicy FAIL_RELOAD), fail-closed meanwhile.
 * FAIL_OPEN is not offered: with the filter gone, a client-set cluster header would route.
 */
export type FailStrategy = "FAIL_CLOSE" | "FAIL_RELOAD";
export const FAIL_STRATEGIES: readonly FailStrategy[] = ["FAIL_CLOSE", "FAIL_RELOAD"];

export interface WasmPluginOptions {
  name: string;
  namespace: string;
  selector: Record<string, string>;
  /** file:///path/in/the/gateway or oci://registry/repo:tag (or http(s)://). */
  url: string;
  /** SHA-256 of the module (file://, http(s)://) or of the OCI image; omitted when unknown. */
  sha256?: string;
  /** The bundle version the plugin configuration names. */
  version: string;
  failStrategy?: FailStrategy;
  priority?: number;
}

export function buildWasmPlugin(options: WasmPluginOptions): Record<string, unknown> {
  const spec: Record<string, unknown> = {
    selector: { matchLabels: { ...options.selector } },
    url: options.url,
    ...(options.sha256 ? { sha256: options.sha256 } : {}),
    pluginName: ROOT_ID,
    // UNSPECIFIED_PHASE: after Istio's authn/authz filters, ahead of grpc_stats, fault, cors and
    // the router (pilot/pkg/networking/core/listener_builder.go); the EnvoyFilter rollout puts it
    // right before the router. Routing is the same: the fault and CORS filters read the generated
    // routes' settings, which have none (test/delivery/wasmplugin-istio.test.ts).
    phase: "UNSPECIFIED_PHASE",
    ...(options.priority !== undefined ? { priority: options.priority } : {}),
    failStrategy: options.failStrategy ?? "FAIL_CLOSE",
    type: "HTTP",
    pluginConfig: { version: options.version },
  };
  return {
    apiVersion: "extensions.istio.io/v1alpha1",
    kind: "WasmPlugin",
    metadata: { name: options.name, namespace: options.namespace },
    spec,
  };
}
