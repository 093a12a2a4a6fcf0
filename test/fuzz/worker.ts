// Worker-thread side of the watchdog (watchdog.ts): runs the trials and beats the heartbeat.
import { parentPort, workerData } from "node:worker_threads";
import { type RunSpec, runTrials } from "./trials.ts";

const { spec, beat } = workerData as { spec: RunSpec; beat: Int32Array };
const stats = await runTrials(spec, (i, s) => {
  Atomics.store(beat, 0, i);
  Atomics.add(beat, 1, 1);
  if ((i - spec.start) % 500 === 499) parentPort!.postMessage({ partial: s });
});
parentPort!.postMessage({ done: stats });
