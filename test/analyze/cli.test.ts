// `gatewasm analyze` as a user runs it: istioctl's text form, -o json|yaml, and istioctl's exit
// codes (istio/istio istioctl/cmd/sysexits.go: 79 ExitAnalyzerFoundIssues when a message is at or
// above --failure-threshold, default Error; istioctl/pkg/analyze/analyze.go).
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { main, type Io } from "../../host/cli/main.ts";

async function run(args: string[], stdin: string): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: Io = { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, stdin: () => stdin };
  const code = await main(args, io);
  return { code, out, err };
}

const INPUT = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: x, namespace: default}
spec:
  hosts: [a.example.com]
  gateways: [nogw]
  http:
  - route:
    - destination: {host: missing}
`;

const WARNING_ONLY = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ext, namespace: default}
spec:
  host: api.ext.com
  trafficPolicy: {tls: {mode: SIMPLE}}
`;

describe("gatewasm analyze (CLI)", () => {
  it("prints istioctl's text form with file:line:col and exits 79 on an Error finding", async () => {
    const r = await run(["analyze", "-f", "-"], INPUT);
    expect(r.code).toBe(79);
    expect(r.out.split("\n")).toContain('Error [IST0101] (VirtualService default/x <stdin>:6:14) Referenced gateway not found: "nogw"');
    expect(r.out).toContain('Error [IST0101] (VirtualService default/x <stdin>:9:27) Referenced host not found: "missing"');
  });

  it("-o json gives code, level, origin, reference, field, message and Istio's documentation URL", async () => {
    const r = await run(["analyze", "-f", "-", "-o", "json"], INPUT);
    const json = JSON.parse(r.out) as Array<Record<string, string>>;
    expect(json.find((f) => f.code === "IST0101")).toEqual({
      code: "IST0101",
      level: "Error",
      origin: "VirtualService default/x",
      reference: "<stdin>:6:14",
      field: "spec.gateways[0]",
      message: 'Referenced gateway not found: "nogw"',
      documentationUrl: "https://istio.io/latest/docs/reference/config/analysis/ist0101/",
    });
  });

  it("-o yaml is the same list", async () => {
    const json = JSON.parse((await run(["analyze", "-f", "-", "-o", "json"], INPUT)).out);
    const yaml = parse((await run(["analyze", "-f", "-", "-o", "yaml"], INPUT)).out);
    expect(yaml).toEqual(json);
  });

  it("a Warning exits 0 by default and 79 with --failure-threshold Warning; --output-threshold Error hides it", async () => {
    expect((await run(["analyze", "-f", "-"], WARNING_ONLY)).code).toBe(0);
    expect((await run(["analyze", "-f", "-", "--failure-threshold", "Warning"], WARNING_ONLY)).code).toBe(79);
    const hidden = await run(["analyze", "-f", "-", "--output-threshold", "Error"], WARNING_ONLY);
    expect(hidden.out).toBe("");
    expect(hidden.err).toContain("No validation issues found");
  });

  it("input that is not YAML is reported as every gatewasm error (file:line:col), exit 1, no findings printed", async () => {
    const r = await run(["analyze", "-f", "-"], "kind: [unclosed\n");
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/<stdin>:\d+:\d+/);
  });

  // istio/istio pkg/config/analysis/local/istiod_analyze.go filterMessages: --suppress and the
  // galley.istio.io/analyze-suppress annotation.
  it("--suppress CODE=RESOURCE hides a code on matching resources (* is any text); others stay", async () => {
    const all = await run(["analyze", "-f", "-", "-o", "json"], INPUT);
    const codes = (out: string) => (JSON.parse(out) as Array<{ code: string; message: string }>).filter((f) => f.code === "IST0101").map((f) => f.message);
    expect(codes(all.out)).toHaveLength(2);
    const one = await run(["analyze", "-f", "-", "-o", "json", "-S", "IST0101=VirtualService default/*"], INPUT);
    expect(codes(one.out)).toEqual([]);
    const other = await run(["analyze", "-f", "-", "-o", "json", "--suppress", "IST0101=VirtualService shop/*"], INPUT);
    expect(codes(other.out)).toHaveLength(2);
    expect((await run(["analyze", "-f", "-", "-S", "IST0101"], INPUT)).code).toBe(1);
  });

  it("a resource annotated galley.istio.io/analyze-suppress hides those codes on itself", async () => {
    const annotated = INPUT.replace("metadata: {name: x, namespace: default}", "metadata: {name: x, namespace: default, annotations: {galley.istio.io/analyze-suppress: \"IST0101,IST0132\"}}");
    const r = await run(["analyze", "-f", "-", "-o", "json"], annotated);
    const codes = (JSON.parse(r.out) as Array<{ code: string }>).map((f) => f.code);
    expect(codes).not.toContain("IST0101");
    expect(codes).not.toContain("IST0132");
    expect(r.code).toBe(0);
  });

  it("analyze --help prints its options and exits 0", async () => {
    const r = await run(["analyze", "--help"], "");
    expect(r.code).toBe(0);
    for (const option of ["--failure-threshold", "--output-threshold", "--suppress", "-o, --output"]) expect(r.out).toContain(option);
  });

  it("refuses an unknown -o or threshold with a message and exit 1", async () => {
    expect((await run(["analyze", "-f", "-", "-o", "table"], INPUT)).code).toBe(1);
    const r = await run(["analyze", "-f", "-", "--failure-threshold", "Fatal"], INPUT);
    expect(r.code).toBe(1);
    expect(r.err).toContain("--failure-threshold must be one of Error, Warning, Info");
  });
});

describe("README: the `gatewasm analyze` example", () => {
  it("prints the lines the README shows, and exits 79", async () => {
    const { readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { ROOT } = await import("../support/test-module.ts");
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## `gatewasm analyze`"));
    const block = /\n```\n([\s\S]*?)\n```/.exec(section.slice(section.indexOf("without a cluster")))![1]!;
    const cwd = process.cwd();
    process.chdir(ROOT);
    try {
      const r = await run(["analyze", "-f", "test/analyze/fixtures/references.yaml"], "");
      expect(r.code).toBe(79);
      const lines = r.out.split("\n");
      for (const line of block.split("\n")) expect(lines).toContain(line);
    } finally {
      process.chdir(cwd);
    }
  });
});
