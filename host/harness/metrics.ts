// Stats the module defines (envoy source/extensions/common/wasm/context.cc defineMetric /
// incrementMetric / recordMetric / getMetric). The stat store is process-wide, so every worker
// that defines the same name updates the same stat; ids are per VM.
import { MetricType, Status } from "./abi.ts";

export type MetricTypeName = "counter" | "gauge" | "histogram";
export interface Metric {
  type: MetricTypeName;
  /** counter: total; gauge: current value; histogram: last recorded value. */
  value: bigint;
  /** histogram only: every recorded value. */
  samples?: bigint[];
}

const TYPE_NAMES: readonly MetricTypeName[] = ["counter", "gauge", "histogram"];
const U64 = (1n << 64n) - 1n;

export class MetricStore {
  readonly byName = new Map<string, Metric>();

  stat(type: number, name: string): Metric {
    // Envoy keeps one stat per (type, name); a second type under the same name is a different
    // stat. We key by name and keep the first type, which is what /stats shows for real modules.
    let m = this.byName.get(name);
    if (!m) {
      m = { type: TYPE_NAMES[type]!, value: 0n };
      if (type === MetricType.HISTOGRAM) m.samples = [];
      this.byName.set(name, m);
    }
    return m;
  }
}

/**
 * Per-VM metric ids. Wasm::nextCounterMetricId etc. pre-increment by kMetricIdIncrement (4)
 * from the type value, so the first counter is 4, the first gauge 5, the first histogram 6;
 * `id & 3` is the type (envoy wasm.h kMetricTypeMask).
 */
export class VmMetrics {
  private readonly next = [0, 1, 2];
  private readonly ids = new Map<number, Metric>();

  constructor(private readonly store: MetricStore) {}

  define(type: number, name: string): number {
    if (type > MetricType.HISTOGRAM) return -1;
    const id = (this.next[type]! += 4);
    this.ids.set(id, this.store.stat(type, name));
    return id;
  }

  // Envoy's incrementMetric/getMetric dispatch on the id's type bits before any lookup: only
  // counter and gauge ids are looked up (NOT_FOUND when unknown); a histogram id or one whose bits
  // name no type is BAD_ARGUMENT, defined or not. recordMetric looks every type up. Measured in
  // Envoy 1.36.4 by test/harness-envoy/ (the "metrics" probe).
  increment(id: number, delta: bigint): number {
    const type = id & 3;
    if (type !== MetricType.COUNTER && type !== MetricType.GAUGE) return Status.BAD_ARGUMENT;
    const m = this.ids.get(id);
    if (!m) return Status.NOT_FOUND;
    if (type === MetricType.COUNTER) {
      if (delta <= 0n) return Status.BAD_ARGUMENT;
      m.value = (m.value + delta) & U64;
      return Status.OK;
    }
    m.value = (m.value + delta) & U64;
    return Status.OK;
  }

  record(id: number, value: bigint): number {
    const m = this.ids.get(id);
    if (!m) return Status.NOT_FOUND;
    const type = id & 3;
    if (type === MetricType.COUNTER) m.value = (m.value + value) & U64;
    else if (type === MetricType.GAUGE) m.value = value;
    else {
      m.value = value;
      m.samples!.push(value);
    }
    return Status.OK;
  }

  get(id: number): bigint | number {
    const type = id & 3;
    if (type !== MetricType.COUNTER && type !== MetricType.GAUGE) return Status.BAD_ARGUMENT;
    const m = this.ids.get(id);
    if (!m) return Status.NOT_FOUND;
    return m.value;
  }
}
