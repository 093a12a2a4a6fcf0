// The fuzz trials and their oracle. A trial is deterministic given (seed, index), so a failure
// or a hang is reproduced by its seed and index alone. Kinds:
//   requests — seeded requests (probes included) through the harness against the corpus, with
//              configuration updates (accepted and refused) while requests are delayed;
//   raw      — the same requests as raw bytes (invalid UTF-8, malformed maps) through RawHost;
//   configs  — structure-aware mutants of the corpus (a field of a record, a list word, a slot,
//              the section table, string or regex bytes, or any byte), each accepted one served.
// Oracle: the VM never traps; every request completes (delays driven by the clock); anything
// that reaches the upstream carries exactly one cluster header, never a client-chosen value.
import { readFileSync } from "node:fs";
import { GATEWASM_PRESET, ProxyWasmHost, type PendingRequest } from "../../host/harness/index.ts";
import { encodeFilterConfig } from "../../host/config/encode.ts";
import { G, NONE, Section } from "../../host/config/layout.ts";
import { mulberry32 } from "../../host/util/mulberry32.ts";
import { Blob, RECORD_WORDS } from "./blob.ts";
import { corpus } from "./corpus.ts";
import { GATEWASM, RawHost, serializeRawPairs } from "./raw-host.ts";
import { type Headers, type Rng, int, pick, probes, randomRequest } from "./requests.ts";

export type Kind = "requests" | "raw" | "configs";

export interface Stats {
  trials: number;
  requests: number;
  configs: number;
  accepted: number;
  traps: number;
  clientClusters: number;
  undecided: number;
  incomplete: number;
  /** Requests that reached the upstream (coverage: the oracle's main case). */
  forwarded: number;
  failures: string[];
}

export const emptyStats = (): Stats => ({ trials: 0, requests: 0, configs: 0, accepted: 0, traps: 0, clientClusters: 0, undecided: 0, incomplete: 0, forwarded: 0, failures: [] });

export function mergeStats(a: Stats, b: Stats): Stats {
  return {
    trials: a.trials + b.trials, requests: a.requests + b.requests, configs: a.configs + b.configs, accepted: a.accepted + b.accepted,
    traps: a.traps + b.traps, clientClusters: a.clientClusters + b.clientClusters, undecided: a.undecided + b.undecided,
    incomplete: a.incomplete + b.incomplete, forwarded: a.forwarded + b.forwarded, failures: [...a.failures, ...b.failures].slice(0, 50),
  };
}

/** The generator of trial `index` of a run seeded `seed`. */
export const trialRng = (seed: number, index: number): Rng => mulberry32((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);

const WASM = readFileSync(GATEWASM);
const CORPUS = corpus().map((c) => encodeFilterConfig(c));
const PROBES = probes();

/** Names of the headers only the filter may set, as the blob spells them. */
function internalHeaders(bytes: Uint8Array): { cluster: string; policy: string } {
  const b = new Blob(bytes);
  return { cluster: b.string(b.global(G.ClusterHeaderOff), b.global(G.ClusterHeaderLen)), policy: b.string(b.global(G.PolicyHeaderOff), b.global(G.PolicyHeaderLen)) };
}

/** Checks one finished request; returns the failure or null. Counts go to `s`. */
function judge(s: Stats, host: ProxyWasmHost, p: PendingRequest, names: { cluster: string; policy: string }, where: string): void {
  s.requests++;
  if (host.isFailed()) {
    s.traps++;
    s.failures.push(`${where}: trap: ${host.trapMessage()}`);
    return;
  }
  if (!p.done) { s.incomplete++; s.failures.push(`${where}: request never completed`); return; }
  const up = p.result.upstreamRequest;
  if (!up) return;
  s.forwarded++;
  const clusters = up.headers.filter(([k]) => k === names.cluster).map(([, v]) => v);
  if (clusters.length !== 1) { s.undecided++; s.failures.push(`${where}: forwarded with ${clusters.length} cluster headers`); }
  const policies = up.headers.filter(([k]) => k === names.policy).map(([, v]) => v);
  if (clusters.some((v) => v.startsWith("evil")) || policies.some((v) => v.startsWith("evil"))) {
    s.clientClusters++;
    s.failures.push(`${where}: client-chosen ${names.cluster}=${JSON.stringify(clusters)} ${names.policy}=${JSON.stringify(policies)}`);
  }
}

/** Sends, drives delays (up to ~1 s of clock) and judges; a request still delayed after that is cancelled. */
function drive(s: Stats, host: ProxyWasmHost, pending: Array<{ p: PendingRequest; where: string }>, names: { cluster: string; policy: string }): void {
  for (let i = 0; i < 10 && pending.some(({ p }) => !p.done); i++) host.advance(100);
  for (const { p, where } of pending) {
    if (!p.done) {
      // A mutated delay can be days long: the client goes away; it must not have reached an upstream.
      p.cancel();
      if (p.result.upstreamRequest) { s.undecided++; s.failures.push(`${where}: cancelled delayed request reached the upstream`); }
      s.requests++;
      continue;
    }
    judge(s, host, p, names, where);
  }
}

// ------------------------------------------------------------------ requests (harness)

class RequestTarget {
  hosts: ProxyWasmHost[] = [];
  static async create(): Promise<RequestTarget> {
    const t = new RequestTarget();
    for (const bytes of CORPUS) t.hosts.push(await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: bytes, seed: 1 }));
    return t;
  }
}

async function requestTrial(t: RequestTarget, seed: number, index: number, s: Stats, perTrial: number): Promise<void> {
  const rng = trialRng(seed, index);
  const which = index % CORPUS.length;
  let host = t.hosts[which]!;
  if (host.isFailed()) host = t.hosts[which] = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: CORPUS[which]!, seed });
  const names = internalHeaders(CORPUS[which]!);
  const internal = [names.cluster, names.policy];
  const pending: Array<{ p: PendingRequest; where: string }> = [];
  for (let i = 0; i < perTrial; i++) {
    const req = randomRequest(rng, internal, PROBES);
    const p = host.send({ headers: req.headers, properties: req.properties });
    pending.push({ p, where: `requests seed ${seed} trial ${index} request ${i}${req.probe ? ` (probe ${req.probe})` : ""}` });
    // Updates while requests are delayed: the same bytes, a refused blob, or another config and back.
    if (rng() < 0.02) {
      const u = int(rng, 3);
      if (u === 0) host.configure(CORPUS[which]!);
      else if (u === 1) host.configure(CORPUS[which]!.slice(0, 40));
      else { host.configure(CORPUS[(which + 1) % CORPUS.length]!.slice()); host.configure(CORPUS[which]!); }
    }
  }
  drive(s, host, pending, names);
  host.logs.length = 0;
  s.trials++;
}

// ------------------------------------------------------------------ raw bytes

const INVALID_UTF8 = [[0xff], [0xc3], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x00], [0x80]];
const enc = new TextEncoder();

function rawMap(rng: Rng, h: Headers): Uint8Array {
  const pairs: Array<[Uint8Array, Uint8Array]> = h.map(([k, v]) => [enc.encode(k), enc.encode(v)]);
  for (let i = int(rng, 3); i > 0 && pairs.length > 0; i--) {
    const at = int(rng, pairs.length);
    const bad = Uint8Array.from(pick(rng, INVALID_UTF8));
    const [k, v] = pairs[at]!;
    const inject = (b: Uint8Array) => { const o = new Uint8Array(b.length + bad.length); const cut = int(rng, b.length + 1); o.set(b.subarray(0, cut)); o.set(bad, cut); o.set(b.subarray(cut), cut + bad.length); return o; };
    pairs[at] = rng() < 0.5 ? [inject(k), v] : [k, inject(v)];
  }
  const bytes = serializeRawPairs(pairs);
  if (rng() < 0.25) {
    // Malformed serializations: a wrong count, a length running past the end, a missing NUL, truncation.
    const dv = new DataView(bytes.buffer);
    switch (int(rng, 5)) {
      case 0: dv.setUint32(0, pick(rng, [pairs.length + 1, 1025, 0xffffffff, 0x20000000]), true); break;
      case 1: if (pairs.length) dv.setUint32(4 + int(rng, pairs.length) * 8, pick(rng, [0xffffffff, 0xfffffff0, bytes.length]), true); break;
      case 2: bytes[bytes.length - 1] = 0x41; break;
      case 3: return bytes.slice(0, int(rng, bytes.length));
      default: return bytes.slice(0, 3);
    }
  }
  return bytes;
}

class RawTarget {
  hosts: Array<RawHost | null> = CORPUS.map(() => null);
  host(i: number): RawHost {
    let h = this.hosts[i];
    if (!h || h.trapped) h = this.hosts[i] = RawHost.load(CORPUS[i]!);
    return h;
  }
}

function rawTrial(t: RawTarget, seed: number, index: number, s: Stats, perTrial: number): void {
  const rng = trialRng(seed, index);
  const which = index % CORPUS.length;
  const host = t.host(which);
  const names = internalHeaders(CORPUS[which]!);
  const cluster = enc.encode(names.cluster);
  for (let i = 0; i < perTrial; i++) {
    const req = randomRequest(rng, [names.cluster, names.policy], PROBES);
    const o = host.request(rawMap(rng, req.headers), cluster);
    const where = `raw seed ${seed} trial ${index} request ${i}`;
    s.requests++;
    if (o.trapped) { s.traps++; s.failures.push(`${where}: trap: ${o.trapped}`); return; }
    if (o.paused) { s.incomplete++; s.failures.push(`${where}: still paused`); }
    if (o.forwarded) s.forwarded++;
    if (o.forwarded && o.clusterValues.length !== 1) { s.undecided++; s.failures.push(`${where}: forwarded with ${o.clusterValues.length} cluster headers`); }
    if (o.forwarded && o.clusterValues.some((v) => v.startsWith("evil"))) { s.clientClusters++; s.failures.push(`${where}: client-chosen cluster ${o.clusterValues}`); }
  }
  s.trials++;
}

// ------------------------------------------------------------------ configuration mutants

/** Values a mutated field takes: boundaries of the sections it may point into, and neighbours. */
function interesting(rng: Rng, b: Blob, old: number): number {
  const counts = Array.from({ length: Section.Count }, (_, s) => b.section(s).count);
  const c = pick(rng, counts);
  switch (int(rng, 12)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return NONE;
    case 3: return c;
    case 4: return c - 1;
    case 5: return c + 1;
    case 6: return old + 1;
    case 7: return old - 1;
    case 8: return old * 2;
    case 9: return pick(rng, [0x7fffffff, 0x80000000, 0xfffffffe, 0x10000, 255, 256, 1_000_000, 1_000_001]);
    case 10: return int(rng, 64);
    default: return (rng() * 0x100000000) >>> 0;
  }
}

/** One structure-aware mutation; returns a description for failure reports. */
export function mutate(rng: Rng, b: Blob): string {
  const r = rng();
  if (r < 0.7) {
    if (b.u32(12) !== Section.Count) return "no-op";
    // A field of a record (incl. list words and slots, which are one- and two-word records).
    const sections = [Section.Tables, Section.Sni, Section.VHosts, Section.WildGroups, Section.Routes, Section.Matchers, Section.Dests,
      Section.HeaderOps, Section.Slots, Section.TrieNodes, Section.Lists, Section.Faults].filter((s) => b.section(s).count > 0);
    const s = pick(rng, sections);
    const index = int(rng, b.section(s).count);
    const field = int(rng, RECORD_WORDS[s]);
    // Often copy the same field of another record: plausible values that point elsewhere.
    const value = rng() < 0.25 ? b.get(s, int(rng, b.section(s).count), field) : interesting(rng, b, b.get(s, index, field));
    b.set(s, index, field, value);
    return `section ${Section[s]} record ${index} field ${field} = ${value >>> 0}`;
  }
  if (r < 0.78) {
    const field = int(rng, b.globalWords);
    const value = interesting(rng, b, b.global(field));
    b.setGlobal(field, value);
    return `global ${field} = ${value >>> 0}`;
  }
  if (r < 0.83) {
    const s = int(rng, Section.Count);
    const word = int(rng, 2);
    const at = (4 + s * 2 + word) * 4;
    const value = interesting(rng, b, b.u32(at));
    b.setU32(at, value);
    return `section table ${Section[s]} ${word ? "count" : "offset"} = ${value >>> 0}`;
  }
  if (r < 0.95) {
    const s = rng() < 0.5 && b.section(Section.Regex).count > 0 ? Section.Regex : Section.Strings;
    const { offset, count } = b.section(s);
    if (count === 0 || offset + count > b.bytes.length) return "no-op";
    const at = offset + int(rng, count);
    b.bytes[at] = int(rng, 256);
    return `${Section[s]} byte ${at - offset} = ${b.bytes[at]}`;
  }
  const at = int(rng, b.bytes.length);
  b.bytes[at] = int(rng, 256);
  return `byte ${at} = ${b.bytes[at]}`;
}

class ConfigTarget {
  host!: ProxyWasmHost;
  /** The configuration serving now (the last accepted one). */
  serving: Uint8Array = CORPUS[0]!;
  static async create(seed: number): Promise<ConfigTarget> {
    const t = new ConfigTarget();
    t.host = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: CORPUS[0]!, seed });
    return t;
  }
}

async function configTrial(t: ConfigTarget, seed: number, index: number, s: Stats, perTrial: number): Promise<void> {
  const rng = trialRng(seed, index);
  const base = CORPUS[index % CORPUS.length]!;
  const b = new Blob(base);
  const steps: string[] = [];
  for (let m = 1 + int(rng, 3); m > 0; m--) steps.push(mutate(rng, b));
  const where = `configs seed ${seed} trial ${index} [${steps.join("; ")}]`;
  if (t.host.isFailed()) { t.host = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: CORPUS[0]!, seed }); t.serving = CORPUS[0]!; }
  const host = t.host;
  s.configs++;
  const [accepted] = host.configure(b.bytes);
  if (host.isFailed()) { s.traps++; s.failures.push(`${where}: trap in on_configure: ${host.trapMessage()}`); s.trials++; return; }
  // Requests go to whatever serves now: the mutant if accepted, else the previous configuration.
  if (accepted) { s.accepted++; t.serving = b.bytes; }
  host.logs.length = 0;
  const names = internalHeaders(t.serving);
  const pending: Array<{ p: PendingRequest; where: string }> = [];
  const n = accepted ? perTrial : 1;
  for (let i = 0; i < n; i++) {
    const req = randomRequest(rng, [names.cluster, names.policy, "x-gatewasm-cluster"], PROBES);
    // Mutants are about the configuration: keep the header count small so trials stay cheap.
    const headers = req.headers.length > 200 ? req.headers.slice(0, 40) : req.headers;
    pending.push({ p: host.send({ headers, properties: req.properties }), where: `${where} request ${i}` });
  }
  drive(s, host, pending, names);
  s.trials++;
}

// ------------------------------------------------------------------ a run

export interface RunSpec { kind: Kind; seed: number; start: number; count: number; perTrial: number }

/** Runs trials [start, start + count); `progress(i)` is called before trial i (the watchdog's heartbeat). */
export async function runTrials(spec: RunSpec, progress: (i: number, s: Stats) => void): Promise<Stats> {
  const s = emptyStats();
  const req = spec.kind === "requests" ? await RequestTarget.create() : null;
  const raw = spec.kind === "raw" ? new RawTarget() : null;
  let cfg = spec.kind === "configs" ? await ConfigTarget.create(spec.seed) : null;
  for (let i = spec.start; i < spec.start + spec.count; i++) {
    progress(i, s);
    if (req) await requestTrial(req, spec.seed, i, s, spec.perTrial);
    else if (raw) rawTrial(raw, spec.seed, i, s, spec.perTrial);
    else if (cfg) {
      await configTrial(cfg, spec.seed, i, s, spec.perTrial);
      // A fresh host now and then: a long run must not measure the harness's own log growth.
      if ((i + 1) % 5000 === 0) cfg = await ConfigTarget.create(spec.seed);
    }
  }
  return s;
}
