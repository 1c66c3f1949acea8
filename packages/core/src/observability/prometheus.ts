/**
 * The prom-client adapter of the metrics port: one registry per process, exposed in the
 * Prometheus text format at `GET /metrics` by the local runtime. Histograms are kept in the
 * instrument's unit (seconds for latencies, as Prometheus expects).
 */
import client from "prom-client";
import type { Counter, Gauge, Histogram, MetricDefinition, MetricsBackend } from "./metrics.ts";

export interface PrometheusBackend extends MetricsBackend {
  readonly registry: client.Registry;
  /** the text exposition */
  scrape(): Promise<string>;
  contentType: string;
}

export function createPrometheusBackend(options: { defaultMetrics?: boolean } = {}): PrometheusBackend {
  const registry = new client.Registry();
  if (options.defaultMetrics)
    client.collectDefaultMetrics({ register: registry, prefix: "jobledger_process_" });
  const made = new Map<string, unknown>();
  function once<T>(name: string, make: () => T): T {
    if (!made.has(name)) made.set(name, make());
    return made.get(name) as T;
  }
  const config = (d: MetricDefinition) => ({
    name: d.name,
    help: d.help,
    labelNames: [...d.labelNames],
    registers: [registry],
  });
  return {
    registry,
    contentType: registry.contentType,
    scrape: () => registry.metrics(),
    counter(d): Counter {
      const c = once(d.name, () => new client.Counter(config(d)));
      return { inc: (labels = {}, value = 1) => c.inc(labels, value) };
    },
    histogram(d): Histogram {
      const h = once(
        d.name,
        () => new client.Histogram({ ...config(d), ...(d.buckets ? { buckets: [...d.buckets] } : {}) }),
      );
      return { observe: (labels, value) => h.observe(labels, value) };
    },
    gauge(d): Gauge {
      const g = once(d.name, () => new client.Gauge(config(d)));
      return { set: (labels, value) => g.set(labels, value) };
    },
  };
}
