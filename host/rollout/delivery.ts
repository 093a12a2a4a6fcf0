// The ways a compiled configuration reaches the gateway (docs/design.md "Delivering large
// configurations"), the files each one writes, and what Kubernetes' size limits say about them:
// - inline: one EnvoyFilter, the blob as a BytesValue (the default);
// - inline-zlib: the same, the blob compressed (GWSZ), inflated by the filter through Envoy's
//   `uncompress` foreign function;
// - bundle: the blob built into the module (host/rollout/bundle.ts); the EnvoyFilter loads that
//   module from --wasm-path and its configuration is only the bundle's version;
// - wasmplugin: the bundled module delivered by a WasmPlugin (file:// or oci://), plus an
//   EnvoyFilter with the route patches only.
import type { FilterConfig } from "../config/model.ts";
import type { RoutePolicy } from "../config/policies.ts";
import { compressBlob } from "../config/framing.ts";
import { toKubernetesYaml } from "../resources/kube-yaml.ts";
import { bundleModule, bundleVersion, sha256Hex } from "./bundle.ts";
import { buildEnvoyFilter, type EnvoyFilterOptions } from "./envoyfilter.ts";
import { CONFIGMAP_LIMIT, ETCD_OBJECT_LIMIT, LAST_APPLIED_LIMIT, kib, objectBytes, objectLimits, type SizeFinding } from "./limits.ts";
import { buildWasmPlugin, type FailStrategy } from "./wasmplugin.ts";

export type DeliveryMode = "inline" | "inline-zlib" | "bundle" | "wasmplugin";
export const DELIVERY_MODES: readonly DeliveryMode[] = ["inline", "inline-zlib", "bundle", "wasmplugin"];
export const DEFAULT_DELIVERY: DeliveryMode = "inline";
export const BUNDLE_FILE = "gatewasm-bundle.wasm";

export interface DeliveryOptions extends EnvoyFilterOptions {
  delivery: DeliveryMode;
  /** The filter module to bundle (build/gatewasm.wasm); needed by bundle and wasmplugin. */
  module?: Uint8Array;
  /** wasmplugin: where the gateway finds the bundled module; default file://<wasmPath>. */
  wasmUrl?: string;
  /** wasmplugin with oci://: the image digest, when known (Istio checks it after the pull). */
  imageSha256?: string;
  /** Bundle version; default a digest of the bundled configuration. */
  bundleVersion?: string;
  failStrategy?: FailStrategy;
  priority?: number;
}

export interface Delivery {
  /** The Kubernetes objects to apply, in order. */
  objects: Array<Record<string, unknown>>;
  /** The bundled module (bundle, wasmplugin). */
  module: Uint8Array | null;
  version: string | null;
  /** Size findings: limits crossed, and which delivery fits when the chosen one does not. */
  findings: SizeFinding[];
}

export function objectsYaml(objects: Array<Record<string, unknown>>): string {
  return objects.map((o) => toKubernetesYaml(o)).join("---\n");
}

function envoyFilterName(o: Record<string, unknown>): string {
  const m = o.metadata as { name: string; namespace: string };
  return `${o.kind} ${m.namespace}/${m.name}`;
}

export function buildDelivery(config: FilterConfig, blob: Uint8Array, policies: RoutePolicy[], options: DeliveryOptions): Delivery {
  const objects: Array<Record<string, unknown>> = [];
  let module: Uint8Array | null = null;
  let version: string | null = null;
  switch (options.delivery) {
    case "inline":
      objects.push(buildEnvoyFilter(config, blob, policies, options));
      break;
    case "inline-zlib":
      objects.push(buildEnvoyFilter(config, compressBlob(blob), policies, options));
      break;
    case "bundle":
    case "wasmplugin": {
      if (!options.module) throw new Error(`--delivery ${options.delivery} needs the filter module to bundle`);
      const framed = compressBlob(blob);
      version = options.bundleVersion ?? bundleVersion(framed);
      module = bundleModule(options.module, framed, version);
      if (options.delivery === "bundle") {
        objects.push(buildEnvoyFilter(config, { version }, policies, options));
      } else {
        const url = options.wasmUrl ?? `file://${options.wasmPath}`;
        const oci = !/^(file|https?):\/\//.test(url);
        objects.push(buildWasmPlugin({
          name: options.name, namespace: options.namespace, selector: options.selector, url, version,
          // The module's digest for file:// and http(s)://; an OCI image's digest is the image's.
          sha256: oci ? options.imageSha256 : sha256Hex(module),
          failStrategy: options.failStrategy, priority: options.priority,
        }));
        objects.push(buildEnvoyFilter(config, { version }, policies, { ...options, routesOnly: true }));
      }
      break;
    }
  }
  return { objects, module, version, findings: sizeFindings(config, blob, policies, options, objects, module) };
}

/** Sizes of every delivery, to say which fits when the chosen one does not. */
function sizeFindings(config: FilterConfig, blob: Uint8Array, policies: RoutePolicy[], options: DeliveryOptions, objects: Array<Record<string, unknown>>, module: Uint8Array | null): SizeFinding[] {
  const findings = objects.flatMap((o) => objectLimits(envoyFilterName(o), objectBytes(o)));
  const biggest = Math.max(...objects.map(objectBytes));
  if (module && options.delivery === "wasmplugin" && /^file:\/\//.test(options.wasmUrl ?? "file://") && module.length > CONFIGMAP_LIMIT) {
    findings.push({ severity: "warning", message: `the bundled module is ${kib(module.length)}: over a ConfigMap's ${kib(CONFIGMAP_LIMIT)}, so a file:// module cannot be mounted from one; use an image volume or oci://` });
  }
  if (biggest <= LAST_APPLIED_LIMIT) return findings;
  // The chosen delivery crosses a limit: measure the others.
  const sizes: Array<[DeliveryMode, number]> = [];
  const inline = options.delivery === "inline" ? biggest : objectBytes(buildEnvoyFilter(config, blob, policies, options));
  const zlib = options.delivery === "inline-zlib" ? biggest : objectBytes(buildEnvoyFilter(config, compressBlob(blob), policies, options));
  const routes = objectBytes(buildEnvoyFilter(config, { version: "sha256:00000000000000000000000000000000" }, policies, { ...options, routesOnly: true }));
  sizes.push(["inline", inline], ["inline-zlib", zlib], ["wasmplugin", routes]);
  const fits = sizes.filter(([, n]) => n <= LAST_APPLIED_LIMIT).map(([m, n]) => `--delivery ${m} (${kib(n)}${m === "wasmplugin" ? " of route patches, plus the bundled module" : ""})`);
  const stores = sizes.filter(([, n]) => n > LAST_APPLIED_LIMIT && n <= ETCD_OBJECT_LIMIT).map(([m, n]) => `--delivery ${m} (${kib(n)}, server-side apply only)`);
  findings.push({
    severity: "warning",
    message: fits.length
      ? `fits every kubectl apply: ${fits.join("; ")}${stores.length ? `; stored but not client-side applicable: ${stores.join("; ")}` : ""}`
      : stores.length ? `no delivery fits client-side kubectl apply; these can be stored: ${stores.join("; ")}` : "no delivery fits etcd's object limit; split the gateway's configuration",
  });
  return findings;
}
