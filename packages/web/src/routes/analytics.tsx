/** Runs per hour, success rate and latency percentiles per job, from the analytics API. */
import { createResource } from "solid-js";
import { AsyncState } from "../components/AsyncState";
import { Chart } from "../components/Chart";
import {
  ANALYTICS_ENDPOINTS,
  readJobStats,
  readRunsPerHour,
  readSuccessRate,
  withNames,
} from "../lib/analytics";
import type { Job, Page } from "../lib/types";

async function jobNames(): Promise<Map<string, string>> {
  try {
    const page = await api<Page<Job>>("/api/v1/jobs?limit=200");
    return new Map(page.items.map((j) => [j.id, j.name]));
  } catch {
    return new Map();
  }
}

import { api } from "../lib/api";

export default function AnalyticsPage() {
  const [hours] = createResource(async () => readRunsPerHour(await api(ANALYTICS_ENDPOINTS.runsPerHour)));
  const names = jobNames();
  const [success] = createResource(async () =>
    withNames(readSuccessRate(await api(ANALYTICS_ENDPOINTS.successRate)), await names),
  );
  const [latency] = createResource(async () =>
    withNames(readJobStats(await api(ANALYTICS_ENDPOINTS.latency)), await names),
  );
  return (
    <>
      <h1>Analytics</h1>
      <div class="card">
        <h2>Runs per hour</h2>
        <AsyncState resource={hours} what="runs per hour" isEmpty={(h) => h.length === 0}>
          {(h) => (
            <Chart
              label="runs per hour"
              config={{
                type: "bar",
                data: {
                  labels: h.map((p) => p.hour.slice(0, 13).replace("T", " ")),
                  datasets: h.some((p) => p.succeeded !== null)
                    ? [
                        {
                          label: "succeeded",
                          data: h.map((p) => p.succeeded ?? 0),
                          backgroundColor: "#2e9b4e",
                        },
                        { label: "failed", data: h.map((p) => p.failed ?? 0), backgroundColor: "#c7392f" },
                      ]
                    : [{ label: "runs", data: h.map((p) => p.runs), backgroundColor: "#2457c5" }],
                },
                options: {
                  maintainAspectRatio: false,
                  scales: { x: { stacked: true }, y: { stacked: true } },
                },
              }}
            />
          )}
        </AsyncState>
      </div>
      <div class="grid2">
        <div class="card">
          <h2>Success rate per job</h2>
          <AsyncState resource={success} what="success rates" isEmpty={(j) => j.length === 0}>
            {(j) => (
              <Chart
                label="success rate per job"
                config={{
                  type: "bar",
                  data: {
                    labels: j.map((s) => s.job),
                    datasets: [
                      {
                        label: "success %",
                        data: j.map((s) => (s.successRate ?? 0) * 100),
                        backgroundColor: "#2e9b4e",
                      },
                    ],
                  },
                  options: {
                    maintainAspectRatio: false,
                    indexAxis: "y",
                    scales: { x: { min: 0, max: 100 } },
                  },
                }}
              />
            )}
          </AsyncState>
        </div>
        <div class="card">
          <h2>Latency percentiles per job (ms)</h2>
          <AsyncState resource={latency} what="latency percentiles" isEmpty={(j) => j.length === 0}>
            {(j) => (
              <Chart
                label="latency percentiles per job"
                config={{
                  type: "bar",
                  data: {
                    labels: j.map((s) => s.job),
                    datasets: [
                      { label: "p50", data: j.map((s) => s.p50 ?? 0), backgroundColor: "#7aa2f7" },
                      { label: "p95", data: j.map((s) => s.p95 ?? 0), backgroundColor: "#2457c5" },
                      { label: "p99", data: j.map((s) => s.p99 ?? 0), backgroundColor: "#14213d" },
                    ],
                  },
                  options: { maintainAspectRatio: false },
                }}
              />
            )}
          </AsyncState>
        </div>
      </div>
    </>
  );
}
