// Runs Istio's own analyzers (`build/istio-xds analyze`, conformance/istio/analyze.go) on files
// and returns their messages, for comparison with `gatewasm analyze`.
import { execFileSync } from "node:child_process";
import { ISTIO_XDS_BINARY } from "./client.ts";

export interface IstioAnalyzeMessage {
  code: string;
  level: "Error" | "Warning" | "Info";
  message: string;
  /** `<Kind> <namespace>/<name>`; absent for a message about no resource. */
  origin?: string;
  /** `file:line` as istioctl prints it. */
  reference?: string;
  /** The field's line (util.ErrorLine), 0 when the analyzer found none. */
  line: number;
}

export interface IstioAnalyzeResult {
  messages: IstioAnalyzeMessage[];
  executedAnalyzers: string[];
  skippedAnalyzers: string[];
  errors: string[];
}

export interface IstioAnalyzeOptions {
  /** "cluster" (default): the files are every object of a cluster; "istioctl": `istioctl analyze --use-kube=false`. */
  mode?: "cluster" | "istioctl";
  binary?: string;
}

export function istioAnalyze(files: string[], options: IstioAnalyzeOptions = {}): IstioAnalyzeResult {
  const args = ["analyze", "--mode", options.mode ?? "cluster", ...files.flatMap((f) => ["-f", f])];
  let stdout: string;
  try {
    stdout = execFileSync(options.binary ?? ISTIO_XDS_BINARY, args, { encoding: "utf8", maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    // Exit 1 still prints the result (with its errors); anything else is a failure to run.
    const e = error as { status?: number; stdout?: string; stderr?: string };
    if (e.status !== 1 || !e.stdout) throw new Error(`istio-xds analyze failed (exit ${e.status}): ${e.stderr ?? ""}`);
    stdout = e.stdout;
  }
  return JSON.parse(stdout) as IstioAnalyzeResult;
}
