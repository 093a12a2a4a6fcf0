// Test entry points of the regex engine (exported by assembly/test-entry.ts only).
export function regexEngineVersion(): i32 { return 0; }
