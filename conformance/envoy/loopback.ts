// One loopback IP per Envoy instance. The filter tells route tables apart by the listener's port,
// so listeners keep Istio's ports (8080, 8443, …) and instances are kept apart by address
// instead: all of 127.0.0.0/8 is bound to `lo` on Linux, no configuration needed.
//
// vitest runs test files in parallel worker processes that share no memory, so addresses are
// random (1.6 million of them); within a process none is handed out twice. A collision between
// processes shows up as a bind failure, and EnvoyProcess.start retries with a fresh address.

const handedOut = new Set<string>();

/** A fresh 127.X.Y.Z with X in 100..199 (other ranges are left to the Istio tool's clusters). */
export function allocateLoopback(): string {
  for (;;) {
    const x = 100 + Math.floor(Math.random() * 100);
    const y = Math.floor(Math.random() * 256);
    const z = 1 + Math.floor(Math.random() * 254);
    const ip = `127.${x}.${y}.${z}`;
    if (!handedOut.has(ip)) {
      handedOut.add(ip);
      return ip;
    }
  }
}
