// The WasmPlugin (extensions.istio.io/v1alpha1) that delivers a bundled module: Istio inserts
// the filter and pushes it to the gateway as an ECDS extension configuration; the route
// patches the filter still needs come from an EnvoyFilter with `routesOnly`
// (host/rollout/envoyfilter.ts). What Istio builds from it: pilot/pkg/model/wasm.go
// buildPluginConfig — name `<namespace>.<name>`, root_id = pluginName, configuration = the JSON
// of pluginConfig as a StringValue, file:// → a local data source, anything else a remote one
// the istio-agent fetches (and checks against sha256), failStrategy → failure_policy.
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
    // UNSPECIFIED_PHASE: Istio inserts the plugin last, right before the router — where the
    // EnvoyFilter rollout puts it (INSERT_BEFORE envoy.filters.http.router).
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
