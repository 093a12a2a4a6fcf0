// Runs fuzz trials in a worker thread under a watchdog: the worker bumps a shared heartbeat
// (the index of the trial it is in); a trial that makes no progress for `hangMs` is a hang —
// a Wasm loop cannot be interrupted from its own thread, so the watchdog terminates the worker,
// records the trial (seed + index reproduce it) and resumes with the next one.
import { Worker } from "node:worker_threads";
import { type RunSpec, type Stats, emptyStats, mergeStats } from "./trials.ts";

export interface WatchedStats extends Stats { hangs: number; seconds: number }

const WORKER = new URL("./worker.ts", import.meta.url).href;
// Worker threads do not inherit tsx's loader in Node 20: register it inside the worker.
const BOOT = `import("tsx/esm/api").then((m) => { m.register(); return import(${JSON.stringify(WORKER)}); })`;

function runOnce(spec: RunSpec, hangMs: number): Promise<{ stats: Stats; hungAt: number | null; reached: number }> {
  return new Promise((resolve, reject) => {
    const beat = new Int32Array(new SharedArrayBuffer(8));
    beat[0] = spec.start;
    const worker = new Worker(BOOT, { eval: true, workerData: { spec, beat } });
    let last = -1;
    let lastChange = Date.now();
    let partial: Stats = emptyStats();
    const timer = setInterval(() => {
      const now = Atomics.load(beat, 0);
      const ticks = Atomics.load(beat, 1);
      if (now !== last || ticks !== 0) {
        last = now;
        Atomics.store(beat, 1, 0);
        lastChange = Date.now();
      } else if (Date.now() - lastChange > hangMs) {
        clearInterval(timer);
        void worker.terminate();
        resolve({ stats: partial, hungAt: now, reached: now });
      }
    }, 200);
    worker.on("message", (m: { partial?: Stats; done?: Stats }) => {
      if (m.partial) partial = m.partial;
      if (m.done) {
        clearInterval(timer);
        void worker.terminate();
        resolve({ stats: m.done, hungAt: null, reached: spec.start + spec.count });
      }
    });
    worker.on("error", (e) => { clearInterval(timer); reject(e); });
  });
}

/**
 * Runs `spec` to the end, restarting after each hang (counted, and listed in `failures`).
 * `onProgress` receives running totals (for long runs).
 */
export async function watched(spec: RunSpec, hangMs = 20_000, onProgress?: (s: WatchedStats) => void): Promise<WatchedStats> {
  const started = Date.now();
  let total: Stats = emptyStats();
  let hangs = 0;
  let start = spec.start;
  const end = spec.start + spec.count;
  while (start < end) {
    const r = await runOnce({ ...spec, start, count: end - start }, hangMs);
    total = mergeStats(total, r.stats);
    if (r.hungAt === null) break;
    hangs++;
    total.failures.push(`${spec.kind} seed ${spec.seed} trial ${r.hungAt}: hang (no progress for ${hangMs} ms)`);
    start = r.hungAt + 1;
    onProgress?.({ ...total, hangs, seconds: (Date.now() - started) / 1000 });
  }
  return { ...total, hangs, seconds: (Date.now() - started) / 1000 };
}
