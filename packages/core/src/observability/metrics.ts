/**
 * The metrics port: counters, histograms and gauges with labels, and one process-wide
 * backend behind them. Locally the backend is prom-client (scraped at `GET /metrics`); on
 * Lambda it is Powertools Metrics, which writes CloudWatch Embedded Metric Format to stdout.
 * Until a backend is installed every instrument is a no-op, so code may record metrics
 * without knowing where they go (and unit tests need not set anything up).
 */

export type Labels = Record<string, string>;

export interface Counter {
  inc(labels?: Labels, value?: number): void;
}
export interface Histogram {
  observe(labels: Labels, value: number): void;
}
export interface Gauge {
  set(labels: Labels, value: number): void;
}

export type MetricUnit = "count" | "seconds" | "milliseconds";

export interface MetricDefinition {
  /** snake_case, prefixed `jobledger_`; Prometheus conventions (`_total`, `_seconds`) */
  name: string;
  help: string;
  labelNames: readonly string[];
  unit: MetricUnit;
  /** histogram bucket upper bounds, in `unit` */
  buckets?: readonly number[];
}

/** Where metric values go: one adapter per runtime. */
export interface MetricsBackend {
  counter(definition: MetricDefinition): Counter;
  histogram(definition: MetricDefinition): Histogram;
  gauge(definition: MetricDefinition): Gauge;
}

const noop = { inc() {}, observe() {}, set() {} };

let backend: MetricsBackend | null = null;
/** instruments made so far, re-bound when the backend changes */
const bindings: Array<() => void> = [];

/** Installs the process's backend (once at start-up; tests may install another). */
export function setMetricsBackend(next: MetricsBackend | null): void {
  backend = next;
  for (const rebind of bindings) rebind();
}

export function metricsBackend(): MetricsBackend | null {
  return backend;
}

function instrument<T>(make: (b: MetricsBackend) => T): T {
  let current: T = noop as T;
  const rebind = () => {
    current = backend ? make(backend) : (noop as T);
  };
  rebind();
  bindings.push(rebind);
  // a stable object whose methods forward to whatever the backend is now
  return new Proxy(noop as object, {
    get: (_t, property) => {
      const target = current as Record<string | symbol, unknown>;
      const value = target[property];
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as T;
}

export function defineCounter(definition: MetricDefinition): Counter {
  return instrument((b) => b.counter(definition));
}
export function defineHistogram(definition: MetricDefinition): Histogram {
  return instrument((b) => b.histogram(definition));
}
export function defineGauge(definition: MetricDefinition): Gauge {
  return instrument((b) => b.gauge(definition));
}
