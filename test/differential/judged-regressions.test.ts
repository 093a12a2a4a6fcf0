// Every difference the differential round against the judges found, kept as a named case
// (regressions/judged/<name>.yaml + .requests.json): each runs three ways and must agree.
import { readdirSync, readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { IstioXds } from "../../conformance/istio/client.ts";
import { judgesAbsent } from "../support/judges.ts";
import { judgeInputs } from "./judge-round.ts";
import type { RawRequest } from "./generator.ts";

const DIR = new URL("./regressions/judged/", import.meta.url);
const names = readdirSync(DIR).filter((f) => f.endsWith(".yaml")).map((f) => f.replace(/\.yaml$/, "")).sort();

const absent = judgesAbsent("judged regressions");

describe.skipIf(!!absent)("differences the judges found, as regression cases", () => {
  const istio = absent ? null : new IstioXds();
  afterAll(async () => { await istio?.close(); });
  it.each(names)("%s: (c) = (b) and (a) = (c)", async (name) => {
    const yaml = readFileSync(new URL(`${name}.yaml`, DIR), "utf8");
    const requests = JSON.parse(readFileSync(new URL(`${name}.requests.json`, DIR), "utf8")) as RawRequest[];
    const r = await judgeInputs(istio!, 0, yaml, requests);
    expect(r.compared).toBeGreaterThan(0);
    expect(r.differences).toEqual([]);
  }, 120_000);
});
