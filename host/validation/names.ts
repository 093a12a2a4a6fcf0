// Name, host, header and label syntax checks shared by the webhook rules. Each returns an error
// message or null. Sources (istio/istio @86c9f01f): pkg/config/validation/agent/validation.go
// (ValidateWildcardDomain, ValidateFQDN, ValidateDNS1123Labels, ValidatePartialWildCard,
// ValidateNamespaceSlashWildcardHostname), pkg/config/labels/instance.go (IsDNS1123Label,
// IsWildcardDNS1123Label, Instance.Validate), pkg/config/validation/validation.go (header
// names), pkg/config/validation/header_value_validator.go (Envoy format strings).

import { isIP } from "node:net";
import RE2 from "re2";

// labels/instance.go: DNS-1123 label as Istio checks it (upper case accepted), ≤ 63 chars.
const DNS1123_LABEL = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const WILDCARD_PREFIX = /^(?:\*|(?:\*|\*-)?[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)$/;
export const DNS1123_LABEL_MAX = 63;

export function isDNS1123Label(value: string): boolean {
  return value.length <= DNS1123_LABEL_MAX && DNS1123_LABEL.test(value);
}

function isWildcardDNS1123Label(value: string): boolean {
  return value.length <= DNS1123_LABEL_MAX && WILDCARD_PREFIX.test(value);
}

export function isIPAddress(value: string): boolean {
  return isIP(value) !== 0;
}

function checkDNS1123Preconditions(name: string): string | null {
  if (name.length > 255) return `domain name "${name}" too long (max 255)`;
  if (name.length === 0) return "empty domain name not allowed";
  return null;
}

function validateDNS1123Labels(domain: string): string | null {
  const parts = domain.split(".");
  const tld = parts[parts.length - 1]!;
  if (/^[+-]?[0-9]+$/.test(tld)) return `domain name "${domain}" invalid (top level domain "${tld}" cannot be all-numeric)`;
  for (let i = 0; i < parts.length; i++) {
    const label = parts[i]!;
    if (i === parts.length - 1 && label === "") return null; // trailing dot: `istio.io.`
    if (!isDNS1123Label(label)) return `domain name "${domain}" invalid (label "${label}" invalid)`;
  }
  return null;
}

export function validateFQDN(fqdn: string): string | null {
  return checkDNS1123Preconditions(fqdn) ?? validateDNS1123Labels(fqdn);
}

/** Wildcard only in the first label: `*`, `*.x`, `*x.y`, `*-x.y`; the rest DNS-1123 labels. */
export function validateWildcardDomain(domain: string): string | null {
  const pre = checkDNS1123Preconditions(domain);
  if (pre) return pre;
  const dot = domain.indexOf(".");
  const first = dot < 0 ? domain : domain.slice(0, dot);
  if (!isWildcardDNS1123Label(first)) return `domain name "${domain}" invalid (label "${first}" invalid)`;
  return dot < 0 ? null : validateDNS1123Labels(domain.slice(dot + 1));
}

export function validatePartialWildcard(host: string): string | null {
  if (host.includes("*") && host.length !== 1 && !host.startsWith("*.")) return `partial wildcard "${host}" not allowed`;
  return null;
}

/** Gateway `servers[].hosts` entry: `[namespace/]dnsName` (ValidateNamespaceSlashWildcardHostname, isGateway). */
export function validateGatewayHost(hostname: string): string[] {
  const slash = hostname.indexOf("/");
  const errs: string[] = [];
  let dnsName = hostname;
  if (slash >= 0) {
    const ns = hostname.slice(0, slash);
    dnsName = hostname.slice(slash + 1);
    if (ns === "" || dnsName === "") errs.push("config namespace and dnsName in host entry cannot be empty");
    if (ns !== "*" && ns !== "." && !isDNS1123Label(ns)) errs.push(`invalid namespace value "${ns}" in gateway`);
  }
  if (dnsName !== "*" && !dnsName.includes(".")) errs.push("short names (non FQDN) are not allowed");
  const wild = validateWildcardDomain(dnsName);
  if (wild && !isIPAddress(dnsName)) errs.push(wild);
  const partial = validatePartialWildcard(dnsName);
  if (partial) errs.push(partial);
  return errs;
}

// validation.go: tchars of RFC 7230 for header names; pseudo headers allowed in matches.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~A-Za-z0-9]+$/;
const PSEUDO_HEADERS = new Set([":method", ":scheme", ":authority", ":path", ":status"]);
/** JWT claim routing key `@request.auth.claims.<name>` or `@request.auth.claims[a][b]` (pkg/jwt ToRoutingClaim). */
const JWT_CLAIM = /^@request\.auth\.claims(?:\.[^.\[\]]+|(?:\[[^\[\]]+\])+)$/;

export function isJwtClaimKey(name: string): boolean {
  return JWT_CLAIM.test(name);
}

/** Header name in `match.headers` / `withoutHeaders` (ValidateHTTPHeaderNameOrJwtClaimRoute). */
export function validateMatchHeaderName(name: string): string | null {
  if (name === "") return "header name cannot be empty";
  if (isJwtClaimKey(name) || PSEUDO_HEADERS.has(name)) return null;
  if (!HEADER_NAME.test(name)) return `header name ${name} is not a valid header name`;
  return null;
}

/** CORS allow/expose header names (ValidateCORSHTTPHeaderName). */
export function validateCorsHeaderName(name: string): string | null {
  if (name === "") return "header name cannot be empty";
  if (name === "*") return null;
  if (!HEADER_NAME.test(name)) return `header name ${name} is not a valid header name`;
  return null;
}

const isInternalHeader = (k: string) => k.startsWith(":") || k.toLowerCase() === "host";
export const isAuthorityHeader = (k: string) => k.toLowerCase() === ":authority" || k.toLowerCase() === "host";

/** Request `set`/`add` keys: `:authority`/`host` allowed (become an authority rewrite). */
export function validateHeaderOpNameWithAuthority(name: string): string | null {
  if (name === "") return "header name cannot be empty";
  if (isInternalHeader(name) && !isAuthorityHeader(name)) return `invalid header "${name}": header cannot have ":" prefix`;
  return null;
}

/** Request `remove` and all response op keys. */
export function validateHeaderOpName(name: string): string | null {
  if (name === "") return "header name cannot be empty";
  if (name.toLowerCase() === "host") return `invalid header "${name}": cannot set Host header`;
  if (isInternalHeader(name)) return `invalid header "${name}": header cannot have ":" prefix`;
  return null;
}

// Control characters other than TAB (protoc-gen-validate header value rule).
const HEADER_VALUE_FORBIDDEN = /[\u0000-\u0008\u000A-\u001F\u007F]/;

/** Header value: no control characters; `%` starts an Envoy `%VAR%`/`%VAR(args)%`, `%%` is literal. */
export function validateHeaderValue(value: string): string | null {
  if (HEADER_VALUE_FORBIDDEN.test(value)) return `header value configuration ${JSON.stringify(value)} is invalid (control character)`;
  const err = envoyFormatError(value);
  return err ? `header value configuration: ${err}` : null;
}

const isSpace = (c: string) => c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v";

/** The state machine of Envoy's header formatter parser, as Istio mirrors it. */
function envoyFormatError(v: string): string | null {
  type State = "literal" | "name" | "expectArray" | "expectString" | "string" | "delimOrEnd" | "argsEnd" | "varEnd";
  let state: State = "literal";
  for (let pos = 0; pos < v.length; pos++) {
    const ch = v[pos]!;
    const hasNext = pos + 1 < v.length;
    switch (state) {
      case "literal":
        if (ch !== "%") break;
        if (!hasNext) return "invalid header configuration. Un-escaped %";
        if (v[pos + 1] === "%") {
          pos++;
          break;
        }
        state = "name";
        break;
      case "name":
        if (ch === "%") state = "literal";
        else if (ch === "(") state = "expectArray";
        break;
      case "expectArray":
        if (ch === "[") state = "expectString";
        else if (!isSpace(ch)) state = "string";
        break;
      case "delimOrEnd":
        if (ch === ",") state = "expectString";
        else if (ch === "]") state = "argsEnd";
        else if (!isSpace(ch)) return "invalid header configuration. Expecting ',', ']', or whitespace";
        break;
      case "expectString":
        if (ch === '"') state = "string";
        else if (!isSpace(ch)) return "invalid header configuration. Expecting '\"'";
        break;
      case "string":
        if (ch === "\\") {
          if (!hasNext) return "invalid header configuration. Un-terminated backslash in JSON string";
          pos++;
        } else if (ch === ")") state = "varEnd";
        else if (ch === '"') state = "delimOrEnd";
        break;
      case "argsEnd":
        if (ch === ")") state = "varEnd";
        else if (!isSpace(ch)) return "invalid header configuration. Expecting ')' or whitespace";
        break;
      case "varEnd":
        if (ch === "%") state = "literal";
        else if (!isSpace(ch)) return "invalid header configuration. Expecting '%' or whitespace";
        break;
    }
  }
  return state === "literal" ? null : `invalid header configuration. Un-terminated variable expression '${v}'`;
}

// labels/instance.go: label key `[dns-prefix/]name`, value qualified name or empty.
const QUALIFIED_NAME = "(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const DNS_PREFIX = "[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)*/";
const LABEL_KEY = new RegExp(`^(${DNS_PREFIX})?(${QUALIFIED_NAME})$`);
const LABEL_VALUE = new RegExp(`^(?:${QUALIFIED_NAME})?$`);

/** Errors of a label map (sourceLabels, subset labels), keyed by the offending key. */
export function validateLabels(labels: Record<string, unknown>): Array<{ key: string; message: string }> {
  const out: Array<{ key: string; message: string }> = [];
  for (const [k, v] of Object.entries(labels)) {
    const m = LABEL_KEY.exec(k);
    if (!m) out.push({ key: k, message: `invalid tag key: "${k}"` });
    else if (m[1] && m[1].length - 1 > 253) out.push({ key: k, message: `invalid tag key: "${k}" (DNS prefix is too long)` });
    else if (m[2]!.length > DNS1123_LABEL_MAX) out.push({ key: k, message: `invalid tag key: "${k}" (name is too long)` });
    if (typeof v === "string" && !LABEL_VALUE.test(v)) out.push({ key: k, message: `invalid tag value: "${v}"` });
  }
  return out;
}

/** Istio approximates Envoy's RE2 program-size limit by the pattern length. */
export const MAX_REGEX_LENGTH = 1024;

/** A regex as Istio checks it (validateStringRegexp): ≤ 1024 chars and accepted by RE2. */
export function validateRegex(re: string): string | null {
  if (re.length > MAX_REGEX_LENGTH) return `regex is too large, max length allowed is ${MAX_REGEX_LENGTH}`;
  // Go's regexp/syntax rejects `\C` (any byte), which C++ RE2 accepts.
  if (/(?:^|[^\\])(?:\\\\)*\\C/.test(re)) return "error parsing regexp: invalid escape sequence: `\\C`; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)";
  try {
    new RE2(re, "u");
    return null;
  } catch (err) {
    return `${(err as Error).message}; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)`;
  }
}
