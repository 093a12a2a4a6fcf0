// Client for build/istio-xds (conformance/istio/README.md): Istio's own translation of Istio
// YAML into the xDS it pushes to an ingress gateway, as a static Envoy bootstrap. One child
// process (`istio-xds --serve`, JSON lines on stdin/stdout) serves every translation.
//
//   const istio = startIstioXds();            // null when the binary is absent
//   if (istio) { const r = await istio.translate({ yaml }); ...; await istio.close(); }
//
// Build the binary with `npm run setup:istio`.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** Default location of the binary (`npm run setup:istio` builds it). */
export const ISTIO_XDS_BINARY = resolve(dirname(fileURLToPath(import.meta.url)), "../../build/istio-xds");

export interface IstioXdsRequest {
  /** Multi-document YAML: Istio configs and Kubernetes objects (Service, Pod, ...) mixed. */
  yaml: string;
  /** Gateway workload labels. Default {istio: "ingressgateway"}. */
  labels?: Record<string, string>;
  /** Gateway workload namespace. Default "istio-system". */
  namespace?: string;
  /** Every listener's address (ports kept) and the admin address. Default "127.0.0.2". */
  listenAddress?: string;
  /** Port of every cluster's single static endpoint. Default 19000. */
  upstreamPort?: number;
  /** First one to three octets of the clusters' endpoint IPs. Default "127.201". */
  upstreamNet?: string;
  /** Admin port. Default 19901. */
  adminPort?: number;
  /** Istio version the gateway proxy reports (Istio gates some fields on it). Default "1.28.0". */
  proxyVersion?: string;
}

export interface IstioXdsListener {
  /** Istio's listener name, e.g. "0.0.0.0_8080". */
  name: string;
  /** The port the listener binds (the gateway Service's targetPort). */
  port: number;
  /** Route configurations inlined into its HTTP connection managers, e.g. ["http.8080"]. */
  routeConfigs: string[];
}

export interface IstioXdsRemoval {
  what: string;
  where: string;
  /** Why leaving it out does not change routing. */
  why: string;
}

export interface IstioXdsUnmatchedPatch {
  /** namespace/name of the EnvoyFilter. */
  envoyFilter: string;
  /** Index in spec.configPatches. */
  index: number;
  applyTo: string;
  /** The patch's match, as JSON (camelCase field names). */
  match: unknown;
}

export interface IstioXdsResponse {
  /** Complete Envoy v3 bootstrap (static_resources, admin, layered_runtime, node). */
  bootstrap: Record<string, unknown> | null;
  listeners: IstioXdsListener[];
  /** Cluster name → loopback IP of its one static endpoint (port = upstreamPort). */
  clusters: Record<string, string>;
  removed: IstioXdsRemoval[];
  /** EnvoyFilter patches that changed nothing Istio generated for the gateway. */
  unmatchedPatches: IstioXdsUnmatchedPatch[];
  /** Inputs Istio's conversion or validation rejects (those inputs are left out), and failures. */
  errors: string[];
  warnings: string[];
  /**
   * ECDS references (a WasmPlugin's filter) Istio put in the listeners, resolved with Istio's
   * ECDS generator and inlined (conformance/istio/ecds.go); remote modules stay unresolved.
   */
  extensions: Array<{ name: string; listeners: string[]; resolved: boolean; reason?: string; code?: string }>;
  /** The istio.io/istio module version the binary was built with. */
  istioVersion: string;
  /** PEM certificate that replaces every SDS secret (trust it to call the TLS listeners). */
  certificate?: string;
}

export interface IstioXdsOptions {
  /** Default ISTIO_XDS_BINARY. */
  binary?: string;
  /** Istio's log level on stderr: debug, info, warn, error (default), none. */
  logLevel?: string;
  /** Per-request timeout, ms. Default 120000. */
  timeoutMs?: number;
}

/** The binary is missing, exited, or did not answer. */
export class IstioXdsError extends Error {
  constructor(message: string, readonly stderr = "") {
    super(stderr ? `${message}\n--- istio-xds stderr (tail) ---\n${stderr}` : message);
    this.name = "IstioXdsError";
  }
}

interface Pending {
  resolve: (r: IstioXdsResponse) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

const STDERR_TAIL = 16 * 1024;

export class IstioXds {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stderrTail = "";
  private exited: Error | null = null;
  private readonly timeoutMs: number;
  private readonly exitPromise: Promise<void>;

  /** Spawns `istio-xds --serve`. Throws IstioXdsError when the binary is absent. */
  constructor(options: IstioXdsOptions = {}) {
    const binary = options.binary ?? ISTIO_XDS_BINARY;
    if (!existsSync(binary)) {
      throw new IstioXdsError(`${binary} does not exist: run \`npm run setup:istio\``);
    }
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.child = spawn(binary, ["--serve", "--log-level", options.logLevel ?? "error"], { stdio: ["pipe", "pipe", "pipe"] });
    this.child.stderr.setEncoding("utf8");
    this.child.stderr.on("data", (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL);
    });
    this.child.stdin.on("error", () => {
      // EPIPE after an exit: reported through the exit handler.
    });
    createInterface({ input: this.child.stdout }).on("line", (line) => this.onLine(line));
    this.exitPromise = new Promise((done) => {
      this.child.on("error", (err) => {
        this.fail(new IstioXdsError(`istio-xds: ${err.message}`, this.stderrTail));
        done();
      });
      this.child.on("exit", (code, signal) => {
        this.fail(new IstioXdsError(`istio-xds exited (${signal ?? `code ${code}`})`, this.stderrTail));
        done();
      });
    });
  }

  private onLine(line: string): void {
    if (!line.trim()) return;
    let msg: IstioXdsResponse & { id?: number };
    try {
      msg = JSON.parse(line);
    } catch {
      this.fail(new IstioXdsError(`istio-xds wrote a line that is not JSON: ${line.slice(0, 200)}`, this.stderrTail));
      this.child.kill();
      return;
    }
    const id = typeof msg.id === "number" ? msg.id : [...this.pending.keys()][0];
    const p = id === undefined ? undefined : this.pending.get(id);
    if (!p || id === undefined) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    delete msg.id;
    p.resolve(msg);
  }

  private fail(err: Error): void {
    if (!this.exited) this.exited = err;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(err);
      this.pending.delete(id);
    }
  }

  /** One translation. Requests may overlap; the process answers them in order. */
  translate(req: IstioXdsRequest): Promise<IstioXdsResponse> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise<IstioXdsResponse>((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new IstioXdsError(`istio-xds did not answer request ${id} within ${this.timeoutMs} ms`, this.stderrTail));
      }, this.timeoutMs);
      this.pending.set(id, { resolve: resolvePromise, reject, timer });
      this.child.stdin.write(JSON.stringify({ ...req, id }) + "\n");
    });
  }

  /** Ends the process (stdin closed; killed if it lingers) and waits for it. */
  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.stdin.end();
      const killer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
      await this.exitPromise;
      clearTimeout(killer);
    }
  }
}

/** True when the binary exists (`npm run setup:istio` has run). */
export function istioXdsAvailable(binary: string = ISTIO_XDS_BINARY): boolean {
  return existsSync(binary);
}

/** Starts the translator, or returns null when the binary is absent. */
export function startIstioXds(options: IstioXdsOptions = {}): IstioXds | null {
  if (!istioXdsAvailable(options.binary ?? ISTIO_XDS_BINARY)) return null;
  return new IstioXds(options);
}
