/**
 * A small Prometheus registry (text exposition format 0.0.4): counters, gauges read at scrape time, and
 * histograms with fixed buckets. Label values are escaped; label sets are kept per metric.
 */

type Labels = Readonly<Record<string, string>>;

interface Series {
  readonly labels: Labels;
  value: number;
}

interface HistogramSeries {
  readonly labels: Labels;
  readonly counts: number[];
  sum: number;
  count: number;
}

const escapeLabel = (value: string) =>
  value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labelText = (labels: Labels) => {
  const entries = Object.entries(labels);
  return entries.length === 0 ? '' : `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
};
const keyOf = (labels: Labels) => JSON.stringify(Object.entries(labels).sort());

/** A monotonically increasing counter. */
export interface Counter {
  inc(labels?: Labels, by?: number): void;
}

/** A histogram of observations (seconds, bytes…). */
export interface Histogram {
  observe(value: number, labels?: Labels): void;
}

/** The registry `/metrics` renders. */
export class MetricsRegistry {
  private readonly parts: Array<() => string> = [];

  /** A counter named `name` (suffix `_total` by convention). */
  counter(name: string, help: string): Counter {
    const series = new Map<string, Series>();
    this.parts.push(() =>
      [
        `# HELP ${name} ${help}`,
        `# TYPE ${name} counter`,
        ...[...series.values()].map((s) => `${name}${labelText(s.labels)} ${s.value}`),
      ].join('\n'),
    );
    return {
      inc(labels = {}, by = 1) {
        const key = keyOf(labels);
        const entry = series.get(key) ?? { labels, value: 0 };
        entry.value += by;
        series.set(key, entry);
      },
    };
  }

  /** A gauge whose values are read when scraped. */
  gauge(name: string, help: string, read: () => Array<{ labels?: Labels; value: number }> | number): void {
    this.parts.push(() => {
      const values = read();
      const list = typeof values === 'number' ? [{ value: values }] : values;
      return [
        `# HELP ${name} ${help}`,
        `# TYPE ${name} gauge`,
        ...list.map((v) => `${name}${labelText(v.labels ?? {})} ${v.value}`),
      ].join('\n');
    });
  }

  /** A histogram with upper bounds `buckets` (ascending). */
  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    const series = new Map<string, HistogramSeries>();
    this.parts.push(() => {
      const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
      for (const s of series.values()) {
        let cumulative = 0;
        buckets.forEach((bound, i) => {
          cumulative += s.counts[i] ?? 0;
          lines.push(`${name}_bucket${labelText({ ...s.labels, le: String(bound) })} ${cumulative}`);
        });
        lines.push(`${name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`);
        lines.push(`${name}_sum${labelText(s.labels)} ${s.sum}`);
        lines.push(`${name}_count${labelText(s.labels)} ${s.count}`);
      }
      return lines.join('\n');
    });
    return {
      observe(value, labels = {}) {
        const key = keyOf(labels);
        let entry = series.get(key);
        if (!entry) {
          entry = { labels, counts: buckets.map(() => 0), sum: 0, count: 0 };
          series.set(key, entry);
        }
        const index = buckets.findIndex((bound) => value <= bound);
        if (index >= 0) entry.counts[index] = (entry.counts[index] ?? 0) + 1;
        entry.sum += value;
        entry.count += 1;
      },
    };
  }

  /** The exposition text. */
  render(): string {
    return `${this.parts.map((part) => part()).join('\n')}\n`;
  }
}

/** Latency buckets in seconds, from 5 ms to 2 min. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
