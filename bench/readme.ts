// `npm run bench -- --readme`: writes the measured tables into README.md between
// `<!-- bench:start -->` and `<!-- bench:end -->`. The block holds the harness table, the
// real-Envoy table (its header starts with "| real Envoy"), the real-Envoy instruction counts
// ("| real Envoy 1.36.4 under callgrind") and hand-written prose; a table this
// run did not measure (e.g. `--only envoy`) and the prose are left as they are.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const README = fileURLToPath(new URL("../README.md", import.meta.url));
const START = "<!-- bench:start -->";
const END = "<!-- bench:end -->";

export function updateReadme(tables: { harness?: string[]; envoy?: string[]; instructions?: string[] }): void {
  const text = readFileSync(README, "utf8");
  const from = text.indexOf(START), to = text.indexOf(END);
  if (from < 0 || to < from) throw new Error(`README.md has no ${START} … ${END} block`);
  const paragraphs = text.slice(from + START.length, to).trim().split(/\n\s*\n/);
  const isTable = (p: string) => p.split("\n").every((l) => l.startsWith("|"));
  const isInstructions = (p: string) => isTable(p) && p.startsWith("| real Envoy 1.36.4 under callgrind");
  const isEnvoy = (p: string) => isTable(p) && p.startsWith("| real Envoy") && !isInstructions(p);
  const replace = (pick: (p: string) => boolean, lines: string[] | undefined, after: (p: string) => boolean) => {
    if (!lines) return;
    const table = lines.join("\n");
    const at = paragraphs.findIndex(pick);
    if (at >= 0) paragraphs[at] = table;
    else paragraphs.splice(paragraphs.findIndex(after) + 1, 0, table);
  };
  replace((p) => isTable(p) && !p.startsWith("| real Envoy"), tables.harness, () => false);
  replace(isEnvoy, tables.envoy, (p) => isTable(p) && !p.startsWith("| real Envoy"));
  replace(isInstructions, tables.instructions, isEnvoy);
  writeFileSync(README, `${text.slice(0, from)}${START}\n${paragraphs.join("\n\n")}\n${text.slice(to)}`);
}
