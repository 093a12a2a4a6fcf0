// The translation compiler: Istio resources for one gateway workload → filter configuration.
export { compileGateway, type CompileOptions, type CompileResult } from "./compile.ts";
