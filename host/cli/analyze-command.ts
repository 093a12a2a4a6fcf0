// `gatewasm analyze`: istioctl-analyze-style findings (host/analyze) on the inputs.
// Exit codes follow istioctl (istio/istio istioctl/cmd/sysexits.go, istioctl/pkg/analyze/analyze.go):
// 79 (ExitAnalyzerFoundIssues) when a finding is at or above --failure-threshold (default Error),
// 0 otherwise; --output-threshold (default Info) hides lower findings. Inputs that cannot be read
// as resources (YAML syntax, unreadable files) are reported like every gatewasm error and exit 1.
import { parseArgs } from "node:util";
import { analyzeResources, formatFindings, parseSuppression, isWorseThanOrEqual, LEVELS, OUTPUT_FORMATS, type Level, type OutputFormat } from "../analyze/index.ts";
import { loadResources } from "../resources/load.ts";
import { ANALYZE_USAGE, COMMON_OPTIONS, type Io } from "./main.ts";
import { inputsFrom, pipelineOptionsFrom, reportDiagnostics, targetFrom } from "./inputs.ts";

/** istioctl's exit code for "analyzers found issues". */
export const EXIT_FOUND_ISSUES = 79;

function parseLevel(flag: string, value: string | undefined, fallback: Level): Level {
  if (value === undefined) return fallback;
  const level = LEVELS.find((l) => l.toLowerCase() === value.toLowerCase());
  if (!level) throw new Error(`${flag} must be one of ${LEVELS.join(", ")}, got ${JSON.stringify(value)}`);
  return level;
}

export async function runAnalyze(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { ...COMMON_OPTIONS, output: { type: "string", short: "o" }, "failure-threshold": { type: "string" }, "output-threshold": { type: "string" }, suppress: { type: "string", short: "S", multiple: true } },
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout(ANALYZE_USAGE);
    return 0;
  }
  const format = (values.output ?? "log") as OutputFormat;
  if (!OUTPUT_FORMATS.includes(format)) throw new Error(`-o must be one of ${OUTPUT_FORMATS.join(", ")}, got ${JSON.stringify(values.output)}`);
  const failureThreshold = parseLevel("--failure-threshold", values["failure-threshold"], "Error");
  const outputThreshold = parseLevel("--output-threshold", values["output-threshold"], "Info");
  const target = targetFrom(values);
  const { defaultNamespace } = pipelineOptionsFrom(values, "warning");
  const { resources, diagnostics } = loadResources(inputsFrom(values.file, io), { defaultNamespace });
  if (reportDiagnostics(diagnostics, io)) return 1;
  const suppressions = (values.suppress ?? []).map(parseSuppression);
  const findings = analyzeResources(resources, { target, suppressions });
  const shown = findings.filter((f) => isWorseThanOrEqual(f.level, outputThreshold));
  if (shown.length > 0 || format !== "log") io.stdout(formatFindings(shown, format));
  if (shown.length === 0) io.stderr(`✔ No validation issues found when analyzing ${resources.length} resource${resources.length === 1 ? "" : "s"}.\n`);
  return findings.some((f) => isWorseThanOrEqual(f.level, failureThreshold)) ? EXIT_FOUND_ISSUES : 0;
}
