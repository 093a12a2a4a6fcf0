// Findings the operator chose not to see, as istioctl analyze suppresses messages
// (istio/istio pkg/config/analysis/local/istiod_analyze.go filterMessages): a resource annotated
// `galley.istio.io/analyze-suppress: CODE[,CODE]` (or `*`) hides those codes on itself; a
// `--suppress CODE=RESOURCE` hides a code on resources whose istioctl name (`Kind namespace/name`)
// matches RESOURCE, where `*` matches any text (github.com/ryanuber/go-glob).
import { asString, isRecord } from "../compiler/common.ts";
import type { Resource } from "../resources/types.ts";
import { originOf, type Finding } from "./finding.ts";

export const SUPPRESS_ANNOTATION = "galley.istio.io/analyze-suppress";

export interface Suppression {
  code: string;
  /** A glob over `Kind namespace/name`. */
  resource: string;
}

/** Parses `CODE=RESOURCE`; throws with a user-facing message. */
export function parseSuppression(text: string): Suppression {
  const parts = text.split("=");
  if (parts.length !== 2 || parts[0] === "" || parts[1] === "") {
    throw new Error(`--suppress: ${JSON.stringify(text)} is not CODE=RESOURCE (e.g. "IST0102=DestinationRule default/primary-dr", "IST0132=VirtualService *")`);
  }
  return { code: parts[0]!, resource: parts[1]! };
}

function globMatches(pattern: string, subject: string): boolean {
  const re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[\\s\\S]*")}$`);
  return re.test(subject);
}

export function applySuppressions(findings: Finding[], resources: Resource[], suppressions: Suppression[]): Finding[] {
  const byName = new Map(resources.map((r) => [`${r.kind}\0${r.metadata.namespace}\0${r.metadata.name}`, r]));
  return findings.filter((f) => {
    if (f.kind === "") return true; // istioctl: a message without a resource is never suppressed
    const r = byName.get(`${f.kind}\0${f.namespace}\0${f.name}`);
    const annotations = r && isRecord(r.metadata.annotations) ? r.metadata.annotations : {};
    const codes = asString(annotations[SUPPRESS_ANNOTATION]).split(",").map((c) => c.trim()).filter((c) => c !== "");
    if (codes.includes("*") || codes.includes(f.code)) return false;
    return !suppressions.some((s) => s.code === f.code && globMatches(s.resource, originOf(f)));
  });
}
