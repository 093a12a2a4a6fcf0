// A real Envoy running what Istio would push to the gateway for some YAML: (b) Istio's
// configuration alone, or (c) Istio's configuration plus our EnvoyFilter applied by Istio's own
// patch code, in either rollout. Requests go in as a client sends them; what comes out is an
// Outcome (conformance/outcome.ts) to compare with the other ways.
import { workloadLabels } from "../host/compiler/workload.ts";
import { toKubernetesYaml } from "../host/resources/kube-yaml.ts";
import { loadResources } from "../host/resources/load.ts";
import { compileInputs, DEFAULT_TARGET, type GatewayTarget } from "../host/pipeline.ts";
import { buildEnvoyFilter, type RolloutMode } from "../host/rollout/envoyfilter.ts";
import { formatDiagnostic } from "../host/resources/types.ts";
import { EnvoyProcess, GATEWASM_WASM, RecordingUpstream, sendRequest, type Behaviour } from "./envoy/index.ts";
import type { IstioXds, IstioXdsResponse } from "./istio/client.ts";
import type { ClientRequest, Outcome, Pairs } from "./outcome.ts";

/** istio: Istio's configuration alone (the ground truth); owner/alongside: plus our rollout. */
export type JudgeMode = "istio" | RolloutMode;

/** The loopback network the Istio tool puts cluster endpoints in (127.201.x.y). */
const UPSTREAM_NET = "127.201";

export class JudgeSetupError extends Error {}

/** Our EnvoyFilter for `yaml`, as YAML, loading the module from this checkout. */
export function rolloutYaml(yaml: string, mode: RolloutMode, target: GatewayTarget = DEFAULT_TARGET): string {
  const result = compileInputs([{ name: "case.yaml", text: yaml }], target);
  if (!result.compiled) {
    const errors = result.diagnostics.filter((d) => d.severity === "error").map(formatDiagnostic);
    throw new JudgeSetupError(`our compiler refuses the case:\n${errors.join("\n")}`);
  }
  const { config, bytes, policies } = result.compiled;
  const ef = buildEnvoyFilter(config, bytes, policies, {
    name: "gatewasm", namespace: target.gatewayNamespace, selector: target.selector, wasmPath: GATEWASM_WASM, rollout: mode,
  });
  return toKubernetesYaml(ef);
}

/**
 * Istio gives clusters of ports named http2/grpc HTTP/2 with prior knowledge (explicit
 * http2_protocol_options); their endpoints move to the upstream's h2c port so they answer.
 */
function pointHttp2ClustersAt(bootstrap: Record<string, any>, h2cPort: number): void {
  for (const cluster of bootstrap.static_resources?.clusters ?? []) {
    const options = cluster.typed_extension_protocol_options?.["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"];
    if (!options?.explicit_http_config?.http2_protocol_options) continue;
    for (const group of cluster.load_assignment?.endpoints ?? []) {
      for (const lb of group.lb_endpoints ?? []) {
        if (lb.endpoint?.address?.socket_address) lb.endpoint.address.socket_address.port_value = h2cPort;
      }
    }
  }
}

/**
 * The labels of the gateway pod Istio translates for: the selector's, plus those of the
 * gateway's own Service among the inputs (a real istio-ingressgateway pod carries both `app` and
 * `istio`, which its Service selects; host/compiler/workload.ts), so that Istio binds the
 * listeners to the Service's targetPorts as it does on a real install.
 */
function podLabels(yaml: string, target: GatewayTarget): Record<string, string> {
  const { resources } = loadResources([{ name: "case.yaml", text: yaml }]);
  return workloadLabels(resources, target.selector, target.gatewayNamespace);
}

export class EnvoyJudge {
  private constructor(
    readonly mode: JudgeMode,
    readonly translation: IstioXdsResponse,
    private readonly envoy: EnvoyProcess,
    private readonly upstream: RecordingUpstream,
    private readonly listenerPorts: Set<number>,
  ) {}

  /** `rollout`: our rollout objects as YAML, in place of rolloutYaml(yaml, mode) (another delivery). */
  static async start(istio: IstioXds, yaml: string, mode: JudgeMode, target: GatewayTarget = DEFAULT_TARGET, rollout?: string): Promise<EnvoyJudge> {
    const upstream = await RecordingUpstream.start({ h2c: true });
    try {
      const input = mode === "istio" ? yaml : `${yaml}\n---\n${rollout ?? rolloutYaml(yaml, mode, target)}`;
      const translation = await istio.translate({
        yaml: input,
        labels: podLabels(yaml, target),
        namespace: target.gatewayNamespace,
        listenAddress: "127.0.0.1",
        upstreamPort: upstream.port,
        upstreamNet: UPSTREAM_NET,
        adminPort: 0,
      });
      if (translation.errors.length) throw new JudgeSetupError(`Istio rejects the inputs (${mode}):\n${translation.errors.join("\n")}`);
      if (mode !== "istio" && translation.unmatchedPatches.length) {
        throw new JudgeSetupError(`Istio applied none of these patches of our EnvoyFilter (${mode}):\n${translation.unmatchedPatches.map((p) => JSON.stringify(p)).join("\n")}`);
      }
      const byAddress: Record<string, string> = {};
      for (const [cluster, ip] of Object.entries(translation.clusters)) byAddress[ip] = cluster;
      upstream.addClusters(byAddress);
      if (!translation.bootstrap) throw new JudgeSetupError(`Istio's translation gave no bootstrap (${mode})`);
      pointHttp2ClustersAt(translation.bootstrap, upstream.h2cPort);
      const envoy = await EnvoyProcess.start(translation.bootstrap, { concurrency: 1 });
      return new EnvoyJudge(mode, translation, envoy, upstream, new Set(translation.listeners.map((l) => l.port)));
    } catch (error) {
      await upstream.stop();
      throw error;
    }
  }

  /** Sends one request; `upstream` says how every cluster answers it. */
  async send(request: ClientRequest, upstream: Behaviour = {}): Promise<Outcome> {
    if (!this.listenerPorts.has(request.listenerPort)) {
      return { kind: "refused", cluster: null, attempts: 0, status: 0, upstreamRequest: null, responseHeaders: [], body: "", delayMs: 0 };
    }
    this.upstream.reset();
    this.upstream.behave("*", upstream);
    const sentAt = performance.timeOrigin + performance.now();
    const response = await sendRequest(this.envoy.target(request.listenerPort), {
      method: request.method,
      scheme: request.scheme,
      authority: request.authority,
      path: request.path,
      headers: request.headers,
      body: request.body,
      serverName: request.sni,
      timeoutMs: 30_000,
    });
    const seen = this.upstream.requests;
    const last = seen[seen.length - 1];
    const responseHeaders = response.headers.filter(([k]) => k !== "x-upstream-cluster") as Pairs;
    if (!last) {
      return { kind: "local", cluster: null, attempts: 0, status: response.status, upstreamRequest: null, responseHeaders, body: response.body, delayMs: Math.round(response.elapsedMs) };
    }
    const headers = last.headers.filter(([k]) => !k.startsWith(":")) as Pairs;
    return {
      kind: "upstream",
      cluster: last.cluster,
      attempts: seen.length,
      status: response.status,
      upstreamRequest: { method: last.method, path: last.path, authority: last.authority ?? "", headers: headers.filter(([k]) => k !== "host") },
      responseHeaders,
      body: response.body,
      // Time until the first attempt reached the upstream: an injected delay shows here.
      delayMs: Math.round(seen[0]!.arrivedAt - sentAt),
    };
  }

  log(): string { return this.envoy.logTail(80); }

  async stop(): Promise<void> {
    await this.envoy.stop();
    await this.upstream.stop();
  }
}
