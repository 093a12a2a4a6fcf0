// Runs wrk (Debian's, `.ci/run` installs it) against a real Envoy and reads its report.
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

export interface WrkResult {
  requestsPerSecond: number;
  /** Latency percentiles from `--latency`, in microseconds. */
  p50Us: number;
  p99Us: number;
  requests: number;
  /** "Non-2xx or 3xx responses" plus socket errors: a benchmark with any is void. */
  failures: number;
  raw: string;
}

export interface WrkOptions {
  url: string;
  /** Every header but the request line (`Host` included). */
  headers: Array<[string, string]>;
  seconds: number;
  connections: number;
  threads: number;
  /** CPUs wrk may run on (taskset -c), e.g. "1". */
  cpus?: string;
}

export function wrkAvailable(): string | null {
  const r = spawnSync("wrk", ["--version"], { encoding: "utf8" });
  // wrk --version prints its banner and exits 1.
  return r.error ? null : `${r.stdout}${r.stderr}`.split("\n")[0]!.trim();
}

export function tasksetAvailable(): boolean {
  return !spawnSync("taskset", ["-c", "0", "true"]).error;
}

/**
 * The benchmark's processes run at this niceness when the bench may raise priority (root), so
 * that other work on a shared machine disturbs the figures less; elsewhere at the default.
 */
const NICE = process.getuid?.() === 0 ? -10 : 0;

/**
 * Pins every thread of a running process (and the threads it starts later) to `cpus`, and
 * gives each thread the benchmark's niceness (setpriority applies per thread on Linux).
 */
export function pin(pid: number, cpus: string): void {
  const r = spawnSync("taskset", ["-a", "-cp", cpus, String(pid)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`taskset -a -cp ${cpus} ${pid}: ${r.stderr}`);
  if (NICE) {
    const threads = readdirSync(`/proc/${pid}/task`);
    spawnSync("renice", ["-n", String(NICE), "-p", ...threads], { encoding: "utf8" });
  }
}

/** Busy time (user + system) of a process so far, in seconds, from /proc/PID/stat. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14 and 15 of stat (utime, stime) are 12 and 13 after the command name.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const UNIT: Record<string, number> = { us: 1, ms: 1000, s: 1_000_000, m: 60_000_000 };

function micros(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) throw new Error(`wrk: cannot read the duration "${text}"`);
  return Number(m[1]) * UNIT[m[2]!]!;
}

export function parseWrk(raw: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(raw);
  const p50 = /^\s+50%\s+(\S+)/m.exec(raw);
  const p99 = /^\s+99%\s+(\S+)/m.exec(raw);
  const total = /(\d+) requests in/.exec(raw);
  if (!rps || !p50 || !p99 || !total) throw new Error(`wrk: unexpected report:\n${raw}`);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(raw)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(raw);
  const socketErrors = socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return { requestsPerSecond: Number(rps[1]), p50Us: micros(p50[1]!), p99Us: micros(p99[1]!), requests: Number(total[1]), failures: non2xx + socketErrors, raw };
}

export function runWrk(opts: WrkOptions): Promise<WrkResult> {
  const args = [
    `-t${opts.threads}`, `-c${opts.connections}`, `-d${opts.seconds}s`, "--latency", "--timeout", "5s",
    ...opts.headers.flatMap(([k, v]) => ["-H", `${k}: ${v}`]),
    opts.url,
  ];
  let argv = ["wrk", ...args];
  if (opts.cpus) argv = ["taskset", "-c", opts.cpus, ...argv];
  if (NICE) argv = ["nice", "-n", String(NICE), ...argv];
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) reject(new Error(`wrk exited with ${code}:\n${out}`));
      else {
        try { resolve(parseWrk(out)); } catch (e) { reject(e); }
      }
    });
  });
}
