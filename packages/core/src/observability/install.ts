/**
 * Picks the process's metrics backend: Powertools Metrics (EMF) when running on Lambda,
 * prom-client otherwise. Keeps one already installed (a test may install its own first).
 */
import { createEmfBackend } from "./emf.ts";
import { metricsBackend, setMetricsBackend } from "./metrics.ts";
import { createPrometheusBackend } from "./prometheus.ts";

export function installMetricsBackend(env: Record<string, string | undefined> = process.env): void {
  if (metricsBackend()) return;
  setMetricsBackend(
    env.AWS_LAMBDA_FUNCTION_NAME
      ? createEmfBackend({ serviceName: "jobledger" })
      : createPrometheusBackend({ defaultMetrics: true }),
  );
}
