// The `gatewasm` command line: `compile` and `simulate`. Every error in the inputs is
// reported in one run (file:line:col  kind ns/name  field  message), the exit code is 1 and
// nothing is written.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { runCompile } from "./compile-command.ts";
import { runSimulate } from "./simulate-command.ts";

export const USAGE = `usage:
  gatewasm compile  -f PATH [-f PATH]... [--selector k=v[,k=v]] [--gateway-namespace NS] [-o DIR]
                    [--rollout owner|alongside] [--wasm-path PATH] [--name NAME]
  gatewasm simulate -f PATH [-f PATH]... [--selector k=v[,k=v]] [--gateway-namespace NS]
                    [--port N] [-H 'name: value']... [--seed N] [--repeat N] [--json] METHOD URL

  -f PATH    a YAML/JSON file, a folder (read recursively) or - for standard input
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

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "compile": return await runCompile(rest, io);
      case "simulate": return await runSimulate(rest, io);
      case undefined: case "help": case "--help": case "-h":
        io.stdout(USAGE);
        return command === undefined ? 1 : 0;
      default:
        io.stderr(`gatewasm: unknown command ${JSON.stringify(command)}\n${USAGE}`);
        return 1;
    }
  } catch (error) {
    io.stderr(`gatewasm ${command}: ${(error as Error).message}\n`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === (await import("node:url")).pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
