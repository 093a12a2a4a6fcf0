// End-to-end: rewrite.uriRegexRewrite (istio-semantics.md §6.4) through the real module: Envoy
// regex_rewrite is RE2 GlobalReplace over the path without its query, the query is kept
// (source/common/router/config_impl.cc RouteEntryImplBase::rewritePathHeader), with RE2
// substitution syntax (\1…\9). Oracle: npm re2's replace for the same pattern.
import { beforeAll, describe, expect, it } from "vitest";
import { itAgreesThreeWays } from "../support/three-way.ts";
import RE2 from "re2";
import type { Simulator } from "../../host/simulate/simulator.ts";
import { simulatorFor } from "../support/simulate.ts";
import { gatewayYaml, servicesYaml } from "../support/yaml.ts";

const RULES: Array<{ prefix: string; match: string; rewrite: string }> = [
  { prefix: "/r/", match: "^/r/([a-z]+)/(\\d+)$", rewrite: "/items/\\2/\\1" },
  { prefix: "/v", match: "/v[0-9]+", rewrite: "/api" },
  { prefix: "/dup/", match: "o", rewrite: "0" },
];

const YAML = gatewayYaml([{ port: 80, name: "http", hosts: ["*"] }]) + servicesYaml(["a"]) + `
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: rx, namespace: default}
spec:
  hosts: [rx.test]
  gateways: [istio-system/gw]
  http:
${RULES.map((r) => `  - match: [{uri: {prefix: "${r.prefix}"}}]
    rewrite:
      uriRegexRewrite: {match: ${JSON.stringify(r.match)}, rewrite: ${JSON.stringify(r.rewrite)}}
    route: [{destination: {host: a}}]`).join("\n")}
`;

/** RE2 GlobalReplace, as Envoy applies it to the path without query ("\N" → "$N" for npm re2). */
function expected(rule: (typeof RULES)[number], pathWithQuery: string): string {
  const q = pathWithQuery.indexOf("?");
  const path = q < 0 ? pathWithQuery : pathWithQuery.slice(0, q);
  const query = q < 0 ? "" : pathWithQuery.slice(q);
  return path.replace(new RE2(rule.match, "gu"), rule.rewrite.replace(/\\(\d)/g, "$$$1")) + query;
}

describe("§6.4 uriRegexRewrite", () => {
  let sim: Simulator;
  beforeAll(async () => { sim = await simulatorFor(YAML); });

  it.each([
    [0, "/r/shoes/42?x=1"],
    [0, "/r/Shoes/42"],          // no match: the path is unchanged
    [1, "/v2/users/v10?v3=1"],  // every match is replaced; the query is not rewritten
    [2, "/dup/foo/boo"],
  ])("rule %i rewrites %s as RE2 GlobalReplace would", (rule, path) => {
    const r = sim.send({ method: "GET", url: `http://rx.test${path}` });
    expect(r.action).toBe("route");
    expect(r.request?.[":path"]).toBe(expected(RULES[rule]!, path));
  });

  itAgreesThreeWays();
});
