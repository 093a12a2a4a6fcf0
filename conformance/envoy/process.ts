// A real Envoy process for tests: started from a bootstrap object, ready when admin /ready says
// LIVE, stopped (and killed if it lingers) when the test is done.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { envoyBinary, ENVOY_ABSENT } from "./binary.ts";
import { allocateLoopback } from "./loopback.ts";
import { rebindListeners, withAdmin } from "./bootstrap.ts";

export interface EnvoyOptions {
  /** Default: envoyBinary(). */
  binary?: string;
  /** Worker threads (`--concurrency`). Default 1: one worker makes per-worker state predictable. */
  concurrency?: number;
  /** `--log-level`. Default "info" (the Wasm VM's own log lines are at info and above). */
  logLevel?: string;
  /** `--component-log-level`, e.g. "wasm:debug,router:debug". */
  componentLogLevel?: string;
  /**
   * The instance's loopback IP. Default: allocateLoopback(), and a new one on a bind failure.
   * Given explicitly, a bind failure is an error.
   */
  ip?: string;
  /**
   * Default true: put the admin endpoint and every static listener on the instance's IP (ports
   * untouched). False: the bootstrap's addresses are used as they are (admin still gets added on
   * the instance's IP when the bootstrap has none).
   */
  rebind?: boolean;
  /** How long to wait for LIVE. Default 20 s (V8 compiles the module at startup; 2 shared cores). */
  readyTimeoutMs?: number;
  /** Extra attempts with a fresh IP when a listener cannot bind. Default 3. */
  bindRetries?: number;
  extraArgs?: string[];
  /** Keep the temporary directory (bootstrap.json, envoy.log) after stop(). */
  keepFiles?: boolean;
}

/** Envoy exited or did not become ready; `log` is everything it printed. */
export class EnvoyStartError extends Error {
  constructor(message: string, readonly log: string, readonly exitCode: number | null) {
    super(message);
    this.name = "EnvoyStartError";
  }
}

export interface AdminResponse {
  status: number;
  body: string;
}

export interface EnvoyMemory {
  /** tcmalloc's bytes in use by the application (admin /memory `allocated`), 0 when unknown. */
  allocated: number;
  /** tcmalloc's heap size (admin /memory `heap_size`). */
  heapSize: number;
  /** Resident set size from /proc/PID/status. */
  rss: number;
}

// Envoy outlives a crashed test worker unless someone kills it: every live child is killed (and
// its temporary directory removed) when the process exits, however the test run ends.
const live = new Map<ChildProcess, { dir: string; keep: boolean }>();
process.on("exit", () => {
  for (const [child, { dir, keep }] of live) {
    child.kill("SIGKILL");
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
});

const BIND_FAILURE = /cannot bind|Address already in use|EADDRINUSE/i;

export class EnvoyProcess {
  private exit: Promise<number | null>;
  private exited = false;
  private finalLog: string | null = null;

  private constructor(
    readonly child: ChildProcess,
    /** The loopback IP of this instance's admin endpoint and (with rebind) its listeners. */
    readonly ip: string,
    /** `ip:port` of the admin endpoint. */
    readonly adminAddress: string,
    /** The bootstrap as Envoy got it (after rebinding). */
    readonly bootstrap: Record<string, unknown>,
    readonly dir: string,
    private readonly keepFiles: boolean,
    exit: Promise<number | null>,
  ) {
    this.exit = exit.then((code) => {
      this.exited = true;
      live.delete(child);
      return code;
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get logPath(): string {
    return join(this.dir, "envoy.log");
  }

  /** Where a listener of this instance is: the instance's IP and the given (Istio) port. */
  target(port: number): { host: string; port: number } {
    return { host: this.ip, port };
  }

  static async start(bootstrap: object, opts: EnvoyOptions = {}): Promise<EnvoyProcess> {
    const binary = opts.binary ?? envoyBinary();
    if (!binary) throw new Error(ENVOY_ABSENT);
    const retries = opts.ip ? 0 : (opts.bindRetries ?? 3);
    for (let attempt = 0; ; attempt++) {
      const ip = opts.ip ?? allocateLoopback();
      try {
        return await EnvoyProcess.startOnce(binary, bootstrap, ip, opts);
      } catch (e) {
        if (!(e instanceof EnvoyStartError) || !BIND_FAILURE.test(e.log) || attempt >= retries) throw e;
      }
    }
  }

  private static async startOnce(binary: string, original: object, ip: string, opts: EnvoyOptions): Promise<EnvoyProcess> {
    const rebind = opts.rebind ?? true;
    let config = original as Record<string, unknown>;
    if (rebind) config = rebindListeners(withAdmin(config, ip), ip);
    else if (!config.admin) config = withAdmin(config, ip);

    const dir = mkdtempSync(join(tmpdir(), "gatewasm-envoy-"));
    const configPath = join(dir, "bootstrap.json");
    const adminPath = join(dir, "admin-address");
    writeFileSync(configPath, JSON.stringify(config, null, 2));
    const args = [
      "--config-path", configPath,
      "--concurrency", String(opts.concurrency ?? 1),
      // Hot restart needs shared memory keyed by base id; tests never hot-restart, and several
      // instances at once would fight over the default base id.
      "--disable-hot-restart",
      "--use-dynamic-base-id",
      "--log-level", opts.logLevel ?? "info",
      // The admin port is 0 (the kernel picks one): Envoy writes the address it bound here.
      "--admin-address-path", adminPath,
      ...(opts.componentLogLevel ? ["--component-log-level", opts.componentLogLevel] : []),
      ...(opts.extraArgs ?? []),
    ];
    // stdout and stderr to a file rather than --log-path: it also catches what Envoy prints before
    // logging is set up (option errors, crashes).
    const logFd = openSync(join(dir, "envoy.log"), "a");
    const child = spawn(binary, args, { stdio: ["ignore", logFd, logFd] });
    closeSync(logFd);
    live.set(child, { dir, keep: opts.keepFiles ?? false });
    const exit = new Promise<number | null>((resolve) => {
      child.on("exit", (code, signal) => resolve(code ?? (signal ? -1 : null)));
      child.on("error", () => resolve(-1));
    });
    const envoy = new EnvoyProcess(child, ip, "", config, dir, opts.keepFiles ?? false, exit);

    const deadline = Date.now() + (opts.readyTimeoutMs ?? 20_000);
    let adminAddress = "";
    while (Date.now() < deadline) {
      if (envoy.exited) {
        const log = envoy.log();
        envoy.cleanup();
        throw new EnvoyStartError(`envoy exited with ${await envoy.exit} before becoming ready:\n${tail(log, 30)}`, log, await envoy.exit);
      }
      if (!adminAddress && existsSync(adminPath)) adminAddress = readFileSync(adminPath, "utf8").trim();
      if (adminAddress) {
        const ready = await httpGet(adminAddress, "/ready", 1000).catch(() => null);
        if (ready?.status === 200 && ready.body.trim() === "LIVE") {
          (envoy as { adminAddress: string }).adminAddress = adminAddress;
          return envoy;
        }
      }
      await sleep(50);
    }
    await envoy.stop();
    const log = envoy.log();
    throw new EnvoyStartError(`envoy did not become ready within ${opts.readyTimeoutMs ?? 20_000} ms:\n${tail(log, 30)}`, log, null);
  }

  /**
   * `envoy --mode validate`: parses the bootstrap and builds its objects without binding or
   * serving. Quicker than start() for "does Envoy accept this configuration".
   */
  static validate(bootstrap: object, opts: Pick<EnvoyOptions, "binary"> = {}): { ok: boolean; log: string } {
    const binary = opts.binary ?? envoyBinary();
    if (!binary) throw new Error(ENVOY_ABSENT);
    const dir = mkdtempSync(join(tmpdir(), "gatewasm-envoy-validate-"));
    try {
      const configPath = join(dir, "bootstrap.json");
      writeFileSync(configPath, JSON.stringify(bootstrap));
      const r = spawnSync(binary, ["--mode", "validate", "--config-path", configPath, "--disable-hot-restart", "--use-dynamic-base-id", "--log-level", "warning"], {
        encoding: "utf8",
        timeout: 60_000,
      });
      return { ok: r.status === 0, log: `${r.stdout ?? ""}${r.stderr ?? ""}` };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** SIGTERM, then SIGKILL after 5 s. The log stays readable afterwards. */
  async stop(): Promise<void> {
    if (!this.exited) {
      this.child.kill("SIGTERM");
      const killer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
      await this.exit;
      clearTimeout(killer);
    }
    this.cleanup();
  }

  get running(): boolean {
    return !this.exited;
  }

  /** Everything Envoy printed so far. */
  log(): string {
    if (this.finalLog !== null) return this.finalLog;
    try {
      return readFileSync(this.logPath, "utf8");
    } catch {
      return "";
    }
  }

  logTail(lines = 40): string {
    return tail(this.log(), lines);
  }

  async adminGet(path: string, timeoutMs = 5000): Promise<AdminResponse> {
    return httpGet(this.adminAddress, path, timeoutMs);
  }

  /** Admin endpoints that change state (/logging, /reset_counters, /drain_listeners, …) want POST. */
  async adminPost(path: string, timeoutMs = 5000): Promise<AdminResponse> {
    return httpGet(this.adminAddress, path, timeoutMs, "POST");
  }

  /** Counters and gauges by name (histograms are left out). */
  async stats(): Promise<Map<string, number>> {
    const r = await this.adminGet("/stats?format=json");
    if (r.status !== 200) throw new Error(`admin /stats: ${r.status} ${r.body}`);
    const out = new Map<string, number>();
    for (const s of (JSON.parse(r.body) as { stats: Array<{ name?: string; value?: number }> }).stats) {
      if (s.name !== undefined && typeof s.value === "number") out.set(s.name, s.value);
    }
    return out;
  }

  async memory(): Promise<EnvoyMemory> {
    const r = await this.adminGet("/memory");
    const m = r.status === 200 ? (JSON.parse(r.body) as Record<string, string>) : {};
    return { allocated: Number(m.allocated ?? 0), heapSize: Number(m.heap_size ?? 0), rss: this.rssBytes() };
  }

  /** tcmalloc's allocated bytes when Envoy reports them, else the RSS. */
  async memoryBytes(): Promise<number> {
    const m = await this.memory();
    return m.allocated > 0 ? m.allocated : m.rss;
  }

  rssBytes(): number {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, "utf8");
      const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
      return kb ? Number(kb[1]) * 1024 : 0;
    } catch {
      return 0;
    }
  }

  private cleanup(): void {
    if (this.finalLog === null) this.finalLog = this.log();
    if (!this.keepFiles) rmSync(this.dir, { recursive: true, force: true });
  }
}

function httpGet(address: string, path: string, timeoutMs: number, method = "GET"): Promise<AdminResponse> {
  const colon = address.lastIndexOf(":");
  return new Promise((resolve, reject) => {
    const req = request(
      { host: address.slice(0, colon), port: Number(address.slice(colon + 1)), path, method, agent: false, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`admin ${path}: no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

function tail(text: string, lines: number): string {
  return text.split("\n").slice(-lines - 1).join("\n");
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
