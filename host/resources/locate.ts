// Field path → source position, over the `yaml` node tree of one document.
// Offsets stay in the nodes (`range: [start, valueEnd, nodeEnd]`); they become 1-based line/col
// only here, through the file's `LineCounter` (eemeli/yaml `src/parse/line-counter.ts`).

import { isAlias, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from "yaml";
import type { FieldPath, SourceLocation } from "./types.ts";

export interface NodeLocator {
  locate(path: FieldPath): SourceLocation;
  locateKey(path: FieldPath): SourceLocation;
}

interface Step {
  /** The node holding the value of the path walked so far (null for `key:` with no value). */
  value: Node | null;
  /** The key node of the last map step, if the last step was a map key. */
  key: Node | null;
}

/** Walks `path` from `root`; returns the deepest step reached (the nearest present ancestor). */
function walk(root: Node, path: FieldPath): Step {
  let step: Step = { value: root, key: null };
  for (const part of path) {
    let node = step.value;
    if (node !== null && isAlias(node)) break; // aliases: stop at the alias itself
    if (node === null) break;
    if (isMap(node) && typeof part === "string") {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === part);
      if (!pair) break;
      const key = (pair.key as Node | null) ?? null;
      const value = (pair.value as Node | null) ?? null;
      step = { value, key };
      if (value === null) break;
    } else if (isSeq(node) && typeof part === "number") {
      const item = node.items[part] as Node | undefined;
      if (item === undefined || item === null) break;
      step = { value: item, key: null };
    } else {
      break;
    }
  }
  return step;
}

export function nodeLocator(
  file: string,
  root: Node,
  lineCounter: LineCounter,
  prefix: FieldPath = [],
): NodeLocator {
  const at = (offset: number): SourceLocation => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col };
  };
  return {
    locate(path) {
      const step = walk(root, [...prefix, ...path]);
      const node = step.value ?? step.key ?? root;
      return at(node.range?.[0] ?? 0);
    },
    locateKey(path) {
      const step = walk(root, [...prefix, ...path]);
      const node = step.key ?? step.value ?? root;
      return at(node.range?.[0] ?? 0);
    },
  };
}
