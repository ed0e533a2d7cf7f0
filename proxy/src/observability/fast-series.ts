// Counters and histograms for the request path, registered in a prom-client Registry like its
// own metrics (the registry only calls `get()`), with label children that are plain numbers.
// prom-client's children re-validate and re-hash their labels on every `inc`/`observe`; a cache
// hit records four series, and that hashing was a twentieth of its CPU time.

import type { Registry } from 'prom-client';

interface SeriesValue {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
  readonly metricName?: string;
}

interface MetricData {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly values: SeriesValue[];
  readonly aggregator: 'sum';
}

interface SeriesOptions<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
  readonly registers: readonly Registry[];
}

export interface CounterChild {
  inc(amount?: number): void;
}

export interface HistogramChild {
  observe(value: number): void;
}

function labelObject(names: readonly string[], values: readonly string[]): Record<string, string> {
  if (values.length !== names.length) throw new Error(`expected ${names.length} label values (${names.join(', ')}), got ${values.length}`);
  const labels: Record<string, string> = {};
  names.forEach((n, i) => {
    labels[n] = values[i] as string;
  });
  return labels;
}

/** Children by their label values, created on first use and kept (series never disappear). */
abstract class Series<L extends string, C> {
  readonly name: string;
  readonly help: string;
  readonly aggregator = 'sum' as const;
  protected readonly labelNames: readonly L[];
  protected readonly children = new Map<string, { readonly labels: Record<string, string>; readonly child: C }>();

  constructor(options: SeriesOptions<L>) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames ?? [];
    for (const r of options.registers) r.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** The child of these label values (in `labelNames` order). */
  labels(...values: string[]): C {
    const key = values.join('\u0000');
    let entry = this.children.get(key);
    if (entry === undefined) {
      entry = { labels: labelObject(this.labelNames, values), child: this.newChild() };
      this.children.set(key, entry);
    }
    return entry.child;
  }

  reset(): void {
    this.children.clear();
  }

  protected abstract newChild(): C;
}

class CounterCell implements CounterChild {
  value = 0;
  /** Like prom-client, a series is exported once used (`inc(0)` makes it exist). */
  seen = false;
  inc(amount = 1): void {
    this.seen = true;
    if (Number.isFinite(amount) && amount >= 0) this.value += amount;
  }
}

export class FastCounter<L extends string = never> extends Series<L, CounterCell> {
  readonly type = 'counter' as const;

  constructor(options: SeriesOptions<L>) {
    super(options);
    // Like prom-client: a series without labels exists (at 0) from the start.
    if (this.labelNames.length === 0) this.labels().seen = true;
  }

  protected newChild(): CounterCell {
    return new CounterCell();
  }

  async get(): Promise<MetricData> {
    const values: SeriesValue[] = [];
    for (const { labels, child } of this.children.values()) if (child.seen) values.push({ labels, value: child.value });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}

class HistogramCell implements HistogramChild {
  sum = 0;
  count = 0;
  seen = false;
  /** Observations per bucket (not cumulative); the last slot is above every bound. */
  readonly buckets: Float64Array;

  constructor(private readonly bounds: readonly number[]) {
    this.buckets = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i += 1;
    this.seen = true;
    this.buckets[i] = (this.buckets[i] as number) + 1;
    this.sum += value;
    this.count += 1;
  }
}

export class FastHistogram<L extends string = never> extends Series<L, HistogramCell> {
  readonly type = 'histogram' as const;
  private readonly bounds: readonly number[];

  constructor(options: SeriesOptions<L> & { readonly buckets: readonly number[] }) {
    super(options);
    this.bounds = [...options.buckets].sort((a, b) => a - b);
    if (this.labelNames.length === 0) this.labels().seen = true;
  }

  /** For a histogram without labels. */
  observe(value: number): void {
    this.labels().observe(value);
  }

  protected newChild(): HistogramCell {
    return new HistogramCell(this.bounds);
  }

  async get(): Promise<MetricData> {
    const values: SeriesValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const { labels, child } of this.children.values()) {
      if (!child.seen) continue;
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += child.buckets[i] as number;
        values.push({ labels: { ...labels, le }, value: cumulative, metricName: bucket });
      });
      values.push({ labels: { ...labels, le: '+Inf' }, value: child.count, metricName: bucket });
      values.push({ labels, value: child.sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: child.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}
