/**
 * The Lambda adapter of the metrics port: AWS Lambda Powertools Metrics, which writes
 * CloudWatch Embedded Metric Format (EMF) lines to stdout; CloudWatch turns them into
 * metrics in the `Jobledger` namespace without any API call. Each observation is emitted as a
 * single metric with its labels as dimensions (so per-route and per-consumer series exist).
 * Gauges and histograms become plain EMF values; CloudWatch computes the statistics.
 */
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Counter, Gauge, Histogram, Labels, MetricDefinition, MetricsBackend } from "./metrics.ts";

const UNITS = {
  count: MetricUnit.Count,
  seconds: MetricUnit.Seconds,
  milliseconds: MetricUnit.Milliseconds,
} as const;

export function createEmfBackend(
  options: { namespace?: string; serviceName?: string; metrics?: Metrics } = {},
): MetricsBackend {
  const metrics =
    options.metrics ??
    new Metrics({
      namespace: options.namespace ?? "Jobledger",
      serviceName: options.serviceName ?? "jobledger",
    });
  const emit = (d: MetricDefinition, labels: Labels, value: number) => {
    const single = metrics.singleMetric();
    for (const [name, v] of Object.entries(labels)) if (v !== "") single.addDimension(name, v);
    single.addMetric(d.name, UNITS[d.unit], value);
  };
  return {
    counter: (d): Counter => ({ inc: (labels = {}, value = 1) => emit(d, labels, value) }),
    histogram: (d): Histogram => ({ observe: (labels, value) => emit(d, labels, value) }),
    gauge: (d): Gauge => ({ set: (labels, value) => emit(d, labels, value) }),
  };
}
