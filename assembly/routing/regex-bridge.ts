// The filter's view of the regex engine (assembly/regex). Until the engine lands, every
// program is refused, so a configuration with a regex fails validation instead of
// matching wrongly.
export function regexPrepare(program: usize, programLen: u32): bool {
  return false;
}

export function regexFullMatch(program: usize, programLen: u32, input: usize, inputLen: u32): bool {
  return false;
}
