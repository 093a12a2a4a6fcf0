// Option presets. The harness's own defaults are neutral — what Envoy gives a plugin whose
// PluginConfig leaves name/root_id/vm_id empty, with every log level visible — so a module we did
// not write sees nothing of gatewasm. gatewasm's module is loaded with the preset below, which
// mirrors our rollout's EnvoyFilter (host/rollout/envoyfilter.ts: name, root_id and vm_id
// "gatewasm") and a default Envoy's log level (info).
import { ROOT_ID } from "../config/model.ts";
import type { HostOptions } from "./types.ts";

export const GATEWASM_PRESET: Readonly<HostOptions> = Object.freeze({
  rootId: ROOT_ID,
  pluginName: ROOT_ID,
  vmId: ROOT_ID,
  logLevel: "info",
});
