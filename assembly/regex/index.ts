// Public API of the regex engine for the filter (programs are compiled by host/regex).
//
//   configure time:  regexPrepare(program, programLen)  -> false = reject the config
//   per request:     regexFullMatch(program, programLen, input, inputLen)
//                    regexReplaceAll(program, programLen, input, inputLen, subst, substLen, out, outCap)
//
// All pointers are raw linear-memory addresses (usize); nothing allocates after regexPrepare.
export { regexPrepare, regexFullMatch, regexReplaceAll, regexSearch } from "./engine";
