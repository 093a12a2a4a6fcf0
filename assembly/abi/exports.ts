// The proxy-wasm 0.2.1 callbacks Envoy calls. The SDK's dispatcher builds log strings and
// joins its context map on every callback and traps on unknown ids; this one keeps a root
// per plugin and a stream → root map, and ignores ids it does not know.
import { Plugin } from "../filter/plugin";
import { seedRandom } from "../util/random";
import { sendEmptyReply } from "../filter/local-reply";
import { NOT_CONFIGURED } from "../http/texts";

const plugins = new Map<u32, Plugin>();
const streamRoot = new Map<u32, u32>();

const CONTINUE: u32 = 0;
/** StopIteration; Envoy treats it as StopAllIterationAndWatermark for header callbacks. */
const PAUSE: u32 = 1;

export function proxy_abi_version_0_2_1(): void {}

export function proxy_on_context_create(contextId: u32, parentId: u32): void {
  if (parentId == 0) {
    if (!plugins.has(contextId)) plugins.set(contextId, new Plugin());
  } else if (plugins.has(parentId)) {
    streamRoot.set(contextId, parentId);
  }
}

export function proxy_on_vm_start(rootId: u32, vmConfigurationSize: u32): u32 {
  seedRandom();
  return 1;
}

export function proxy_on_configure(rootId: u32, configurationSize: u32): u32 {
  if (!plugins.has(rootId)) plugins.set(rootId, new Plugin());
  const plugin = plugins.get(rootId);
  const ok = plugin.configure(configurationSize);
  // A root context that never held a configuration keeps nothing: its streams fail closed
  // (no plugin), and the host may never delete it (Envoy drops the canary VM instead).
  if (!ok && plugin.config === null) plugins.delete(rootId);
  settleHeap();
  return ok ? 1 : 0;
}

/**
 * A configuration update leaves garbage (the validator's strings, a replaced plugin's
 * objects). Collected lazily, it would sit among the raw blocks of later requests and
 * fragment the heap, so linear memory would creep up over many updates; a full collection
 * here — updates are rare, and the managed heap is small — keeps it flat.
 */
function settleHeap(): void {
  __collect();
}

function pluginOf(contextId: u32): Plugin | null {
  if (!streamRoot.has(contextId)) return null;
  const root = streamRoot.get(contextId);
  return plugins.has(root) ? plugins.get(root) : null;
}

export function proxy_on_request_headers(contextId: u32, headers: u32, endOfStream: u32): u32 {
  const plugin = pluginOf(contextId);
  if (plugin === null) {
    // A stream of a root context we never saw: fail closed rather than forward it unrouted.
    sendEmptyReply(503, NOT_CONFIGURED);
    return CONTINUE;
  }
  return plugin.onRequestHeaders(contextId) ? PAUSE : CONTINUE;
}

export function proxy_on_response_headers(contextId: u32, headers: u32, endOfStream: u32): u32 {
  const plugin = pluginOf(contextId);
  if (plugin !== null) plugin.onResponseHeaders(contextId);
  return CONTINUE;
}

export function proxy_on_tick(rootId: u32): void {
  if (plugins.has(rootId)) plugins.get(rootId).onTick();
}

export function proxy_on_done(contextId: u32): u32 {
  return 1;
}

export function proxy_on_delete(contextId: u32): void {
  const plugin = pluginOf(contextId);
  if (plugin !== null) plugin.onDelete(contextId);
  streamRoot.delete(contextId);
  if (plugins.has(contextId)) {
    plugins.get(contextId).release();
    plugins.delete(contextId);
    settleHeap();
  }
}
