// `simulate --config DIR` reuses what `compile -o DIR` wrote (filter-config.bin, the blob the
// filter loads, and filter-config.json, the model that explains decisions) instead of
// recompiling; the two files are tied by the blob's SHA-256.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main, type Io } from "../../host/cli/main.ts";
import { ROOT } from "../support/test-module.ts";

function run(args: string[]): { code: Promise<number>; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  const io: Io = { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, stdin: () => "" };
  return { code: main(args, io), out: () => out, err: () => err };
}

const EXAMPLE = join(ROOT, "examples/storefront");
const REQUESTS = [["GET", "https://shop.example.com/catalog/shoes?page=2"], ["GET", "https://shop.example.com/"], ["GET", "http://nowhere.example.com/"]];

describe("simulate --config", () => {
  it("gives the same answer as simulate -f for the same inputs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gatewasm-simcfg-"));
    const c = run(["compile", "-f", EXAMPLE, "-o", dir]);
    expect(await c.code, c.err()).toBe(0);
    for (const [method, url] of REQUESTS) {
      const fresh = run(["simulate", "-f", EXAMPLE, "--json", method!, url!]);
      const reused = run(["simulate", "--config", dir, "--json", method!, url!]);
      expect(await reused.code, reused.err()).toBe(await fresh.code);
      expect(JSON.parse(reused.out())).toEqual(JSON.parse(fresh.out()));
    }
  });

  it("refuses a model and a blob from different compiles, a missing file, and --config with -f", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gatewasm-simcfg-"));
    expect(await run(["compile", "-f", EXAMPLE, "-o", dir]).code).toBe(0);
    const other = mkdtempSync(join(tmpdir(), "gatewasm-simcfg-"));
    writeFileSync(join(other, "x.yaml"), `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
`);
    const out2 = mkdtempSync(join(tmpdir(), "gatewasm-simcfg-"));
    expect(await run(["compile", "-f", other, "-o", out2, "--allow-empty"]).code).toBe(0);
    // The other compile's blob beside this compile's model.
    const { readFileSync } = await import("node:fs");
    writeFileSync(join(dir, "filter-config.bin"), readFileSync(join(out2, "filter-config.bin")));
    const mixed = run(["simulate", "--config", dir, "GET", "http://a/"]);
    expect(await mixed.code).toBe(1);
    expect(mixed.err()).toMatch(/come from different compiles/);
    const missing = run(["simulate", "--config", join(dir, "nope"), "GET", "http://a/"]);
    expect(await missing.code).toBe(1);
    expect(missing.err()).toMatch(/is not a directory written by gatewasm compile -o/);
    const both = run(["simulate", "--config", dir, "-f", EXAMPLE, "GET", "http://a/"]);
    expect(await both.code).toBe(1);
    expect(both.err()).toMatch(/--config replaces -f/);
  });
});
