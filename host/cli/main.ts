// The `gatewasm` command line: `compile` and `simulate`. Every error in the inputs is
// reported in one run (file:line:col  kind ns/name  field  message), the exit code is 1 and
// nothing is written.
import { readFileSync } from "node:fs";
import { runAnalyze } from "./analyze-command.ts";
import { runCompile } from "./compile-command.ts";
import { runSimulate } from "./simulate-command.ts";

const COMMON_USAGE = `  -f, --file PATH          a YAML/JSON file, a folder (read recursively) or - for standard input
      --selector k=v[,k=v]  the gateway workload's labels (default istio=ingressgateway)
      --gateway-namespace NS the gateway workload's namespace (default istio-system)
  -n, --namespace NS       namespace of documents that set none (default "default", as kubectl's context)
  -h, --help               this help
`;

export const COMPILE_USAGE = `usage: gatewasm compile -f PATH [-f PATH]... [options]

Validates the Istio resources and prints the EnvoyFilter that runs the filter on the gateway.

${COMMON_USAGE}  -o, --output DIR         write envoyfilter.yaml, filter-config.yaml, .bin and .json there (simulate --config DIR)
      --rollout MODE       owner (default: the filter owns routing) or alongside (Istio's routes stay)
      --wasm-path PATH     where the gateway mounts the module (default /var/lib/gatewasm/gatewasm.wasm)
      --name NAME          the EnvoyFilter's name (default gatewasm-<selector values>, e.g. gatewasm-ingressgateway)
      --allow-empty        emit a filter even when the inputs route no host (it answers 404 for every host)
      --delivery MODE      inline (default: the configuration in the EnvoyFilter), inline-zlib (compressed,
                           inflated by Envoy's uncompress), bundle (built into the module written to -o DIR;
                           the EnvoyFilter names its version), wasmplugin (a WasmPlugin for the bundled
                           module plus an EnvoyFilter with the route patches, rollout.yaml)
      --wasm-url URL       wasmplugin: file:///path or oci://registry/repo:tag (default file://<wasm-path>)
      --image-sha256 HEX   wasmplugin with oci://: the image digest Istio checks after the pull
      --fail-strategy S    wasmplugin: FAIL_CLOSE (default) or FAIL_RELOAD (new VM on failure, closed meanwhile)
      --priority N         wasmplugin: order among WasmPlugins of the same phase
      --bundle-version V   the bundle's version (default sha256:<digest of the configuration>)
      --module PATH        the filter module to bundle (default build/gatewasm.wasm)
`;

export const SIMULATE_USAGE = `usage: gatewasm simulate -f PATH [-f PATH]... [options] METHOD URL
       gatewasm simulate --config DIR [options] METHOD URL

Compiles, runs the real filter module in a proxy-wasm host and explains what the gateway does
with one request. The URL is what curl would send: its host and port as written (no lower-casing,
an explicit :80 kept) give :authority unless -H 'Host: ...' sets it; the URL's port (default 80 or
443) picks the Gateway server port the connection arrives on.

${COMMON_USAGE}      --port N             the Gateway server port, when it differs from the URL's
  -H, --header 'n: v'      a request header (repeatable); 'Host: h' sets :authority, as in curl
      --seed N             random seed for weighted destinations and fault percentages (default 1)
      --repeat N           send N times and print counts per cluster and action
      --json               one JSON object (its shape: README, "simulate --json")
      --config DIR         reuse what gatewasm compile -o DIR wrote instead of -f (no recompiling)
      --scenario FILE      replay upstream behaviour over time (README, "Scenarios"): per period, where
                           traffic went and what the outlier tracker ejected; METHOD URL is optional then
`;

export const ANALYZE_USAGE = `usage: gatewasm analyze -f PATH [-f PATH]... [options]

Reports istioctl-analyze-style findings on the routing configuration: Istio's codes (IST0101 …)
where an Istio analyzer reports the same thing, GWA codes for what the gateway's translation shows.
Exits 79 when a finding is at or above the failure threshold, as istioctl analyze does.

${COMMON_USAGE}  -o, --output FORMAT      log (default, istioctl's text form), json or yaml
      --failure-threshold L  the lowest level that sets exit code 79: Error (default), Warning or Info
      --output-threshold L   the lowest level printed: Info (default), Warning or Error
  -S, --suppress C=R       hide code C on resources matching R ("Kind ns/name", * matches any text);
                           repeatable. A resource annotated galley.istio.io/analyze-suppress: C[,C]
                           (or *) hides those codes on itself, as in istioctl
`;

export const USAGE = `usage:
  gatewasm compile  -f PATH [-f PATH]... [--selector k=v[,k=v]] [--gateway-namespace NS] [-n NS] [-o DIR]
                    [--rollout owner|alongside] [--wasm-path PATH] [--name NAME] [--allow-empty]
  gatewasm simulate -f PATH [-f PATH]... [--selector k=v[,k=v]] [--gateway-namespace NS] [-n NS]
                    [--port N] [-H 'name: value']... [--seed N] [--repeat N] [--json] METHOD URL
  gatewasm analyze  -f PATH [-f PATH]... [--selector k=v[,k=v]] [--gateway-namespace NS] [-n NS]
                    [-o log|json|yaml] [--failure-threshold Error|Warning|Info] [--output-threshold LEVEL]
                    [-S CODE=RESOURCE]...
  gatewasm --version

  gatewasm COMMAND --help  the options of one command
  defaults:  --selector istio=ingressgateway --gateway-namespace istio-system
`;

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdin: () => string;
}

export const processIo: Io = {
  stdout: (text) => { process.stdout.write(text); },
  stderr: (text) => { process.stderr.write(text); },
  stdin: () => readFileSync(0, "utf8"),
};

export const COMMON_OPTIONS = {
  file: { type: "string", short: "f", multiple: true },
  selector: { type: "string" },
  "gateway-namespace": { type: "string" },
  namespace: { type: "string", short: "n" },
  help: { type: "boolean", short: "h" },
} as const;

/** Parses `k=v[,k=v]`; throws with a user-facing message. */
export function parseSelector(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const part of text.split(",")) {
    const eq = part.indexOf("=");
    if (eq <= 0) throw new Error(`--selector: expected k=v[,k=v], got ${JSON.stringify(text)}`);
    labels[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return labels;
}

/** The version in package.json (the CLI and the module it ships are versioned together). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string };
  return pkg.version ?? "unknown";
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "compile": return await runCompile(rest, io);
      case "simulate": return await runSimulate(rest, io);
      case "analyze": return await runAnalyze(rest, io);
      case undefined: case "help": case "--help": case "-h":
        if (command === undefined) {
          io.stderr(USAGE);
          return 1;
        }
        io.stdout(USAGE);
        return 0;
      case "--version": case "-V": case "version":
        io.stdout(`gatewasm ${packageVersion()}\n`);
        return 0;
      default:
        io.stderr(`gatewasm: unknown command ${JSON.stringify(command)}\n${USAGE}`);
        return 1;
    }
  } catch (error) {
    const hint = command === "compile" || command === "simulate" ? `run gatewasm ${command} --help for its options\n` : "";
    io.stderr(`gatewasm ${command}: ${(error as Error).message}\n${hint}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === (await import("node:url")).pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
