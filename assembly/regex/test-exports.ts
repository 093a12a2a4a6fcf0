// Test entry points of the regex engine (exported by assembly/test-entry.ts only).
export {
  regexPrepare,
  regexFullMatch,
  regexFullMatchPike,
  regexReplaceAll,
  regexSearch,
  regexSteps,
  regexResetSteps,
} from "./engine";
export { malloc, freeHostBlock } from "../abi/memory";

export function regexEngineVersion(): i32 {
  return 1;
}
