/**
 * The analytics lake:
 * 1. Lake projector throughput: BENCH_LAKE_EVENTS (default 200 000) run events — 4 per run, every
 *    fourth a RunSucceeded whose run row is derived from its stream (read from an in-memory
 *    stream map standing in for the event store) — written in batches of BENCH_LAKE_BATCH
 *    (default 500, a Kinesis batch) to a local lake folder as zstd Parquet. Baseline in the
 *    same run: the same batches as JSON Lines files (no Parquet).
 * 2. DuckDB over the lake: BENCH_LAKE_ROWS run rows (default 1 000 000) over 30 days, then every
 *    ```sql example of docs/analytics.md and the four analytics API queries, timed (median of 3).
 *    Baseline: `SELECT count(*) FROM runs`.
 *
 * BENCH_LAKE_PARTS (default "projector,queries") picks the parts. BENCH_LAKE_DIR keeps the generated
 * query lake in that folder and reuses it on the next run with the same BENCH_LAKE_ROWS, so a 10M-row
 * lake is generated once and its queries can be timed again when the machine is quiet.
 */
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createDuckDbEngine } from "@jobledger/core/adapters/analytics/duckdb-engine";
import { createLakeWriter } from "@jobledger/core/adapters/lake/lake-writer";
import { createLocalObjectStore } from "@jobledger/core/adapters/lake/local-object-store";
import type { DecodedEvent } from "@jobledger/events";
import { writeSyntheticLake } from "../packages/core/test/lake-synthetic.ts";
import { printTable, round } from "./support.ts";

const EVENTS = Number(process.env.BENCH_LAKE_EVENTS ?? 200_000);
const BATCH = Number(process.env.BENCH_LAKE_BATCH ?? 500);
const ROWS = Number(process.env.BENCH_LAKE_ROWS ?? 1_000_000);
const PARTS = (process.env.BENCH_LAKE_PARTS ?? "projector,queries").split(",");
const KEPT_DIR = process.env.BENCH_LAKE_DIR;

function runStream(i: number, start: number): DecodedEvent[] {
  const tenant = "bench";
  const streamId = `${tenant}/run/run-${i}`;
  const at = (ms: number) => new Date(start + i * 1000 + ms);
  const base = (version: number, type: string, data: unknown, ms: number) =>
    ({
      eventId: randomUUID(),
      streamId,
      version,
      type,
      data,
      occurredAt: at(ms),
      correlationId: randomUUID(),
      causationId: null,
      actor: "system:bench",
      tenant,
      prevHash: "",
      hash: "",
      schemaVersion: 1,
      schemaFingerprint: "0000000000000000",
      payloadDigest: "",
    }) as unknown as DecodedEvent; // synthetic envelopes: only the fields the lake reads matter
  const jobId = `job-${i % 50}`;
  return [
    base(
      1,
      "RunQueued",
      {
        jobId,
        jobVersion: 1,
        attempt: 1,
        trigger: "schedule",
        scheduledFor: at(0).toISOString(),
        dueAt: at(0).toISOString(),
        request: null,
        retry: null,
      },
      0,
    ),
    base(2, "AttemptStarted", { attempt: 1, runner: "bench", deadline: at(60_000).toISOString() }, 5),
    base(
      3,
      "AttemptSucceeded",
      {
        attempt: 1,
        status: 200,
        durationMs: 120,
        headers: {},
        bodyExcerpt: '{"ok":true}',
        bodyBytes: 11,
        bodyTruncated: false,
      },
      125,
    ),
    base(4, "RunSucceeded", { attempts: 1 }, 126),
  ];
}

async function projectorThroughput(dir: string) {
  const runs = Math.ceil(EVENTS / 4);
  const start = Date.parse("2026-11-01T00:00:00Z");
  const streams = new Map<string, DecodedEvent[]>();
  const all: DecodedEvent[] = [];
  for (let i = 0; i < runs; i++) {
    const events = runStream(i, start);
    streams.set(events[0]!.streamId, events);
    all.push(...events);
  }
  const eventStore = {
    async *readStreamAll(streamId: string, options?: { toVersion?: number }) {
      for (const e of streams.get(streamId) ?? []) if (e.version <= (options?.toVersion ?? Infinity)) yield e;
    },
  };
  const writer = createLakeWriter({ store: createLocalObjectStore(path.join(dir, "projector")), eventStore });
  let t = performance.now();
  let objects = 0;
  for (let i = 0; i < all.length; i += BATCH)
    objects += (await writer.write(all.slice(i, i + BATCH))).objects.length;
  const parquetMs = performance.now() - t;

  const jsonDir = path.join(dir, "json");
  await mkdir(jsonDir, { recursive: true });
  t = performance.now();
  for (let i = 0; i < all.length; i += BATCH) {
    const lines = all
      .slice(i, i + BATCH)
      .map((e) => JSON.stringify({ ...e, payload: JSON.stringify(e.data) }));
    await writeFile(path.join(jsonDir, `${i}.jsonl`), lines.join("\n"));
  }
  const jsonMs = performance.now() - t;
  const parquetRate = all.length / (parquetMs / 1000);
  const jsonRate = all.length / (jsonMs / 1000);
  printTable(`lake projector: ${all.length} events (${runs} run rows) in batches of ${BATCH}`, [
    {
      writer: "Parquet (zstd) lake writer",
      "events/s": round(parquetRate, 0),
      objects,
      ratio: round(parquetRate / jsonRate, 3),
    },
    {
      writer: "baseline: JSON Lines files",
      "events/s": round(jsonRate, 0),
      objects: Math.ceil(all.length / BATCH),
      ratio: 1,
    },
  ]);
}

async function duckdbQueries(dir: string) {
  const root = KEPT_DIR ? path.resolve(KEPT_DIR, `rows-${ROWS}`) : path.join(dir, "queries");
  const marker = path.join(root, ".complete");
  const store = createLocalObjectStore(root);
  const t = performance.now();
  const reused = await stat(marker).then(
    () => true,
    () => false,
  );
  if (!reused) {
    await writeSyntheticLake(store, {
      tenant: "acme",
      runs: ROWS,
      jobs: 200,
      start: new Date("2026-11-01T00:00:00Z"),
      days: 30,
      rowsPerObject: 100_000,
      withEvents: ROWS <= 2_000_000,
    });
    await writeFile(marker, new Date().toISOString());
  }
  const generateMs = performance.now() - t;
  const engine = await createDuckDbEngine({ root });
  const doc = await readFile(path.resolve(import.meta.dirname, "../docs/analytics.md"), "utf8");
  const blocks = [...doc.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!.trim());
  const median = async (work: () => Promise<unknown>) => {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const s = performance.now();
      await work();
      times.push(performance.now() - s);
    }
    return times.sort((a, b) => a - b)[1]!;
  };
  const baseline = await median(() => engine.query("SELECT count(*) FROM runs"));
  const range = { from: new Date("2026-11-01T00:00:00Z"), to: new Date("2026-12-01T00:00:00Z") };
  const rows: Record<string, string | number>[] = [
    { query: "baseline: count(*) FROM runs", ms: round(baseline), ratio: 1 },
  ];
  for (const [i, sql] of blocks.entries()) {
    const ms = await median(() => engine.query(sql));
    rows.push({
      query: `docs example ${i + 1}: ${sql.split("\n")[0]!.slice(0, 50)}`,
      ms: round(ms),
      ratio: round(ms / baseline, 1),
    });
  }
  for (const [name, run] of [
    ["API success-rate (30 days)", () => engine.successRate("acme", range)],
    ["API latency (30 days)", () => engine.latency("acme", range)],
    ["API failure-reasons (30 days)", () => engine.failureReasons("acme", range, 10)],
    ["API runs-per-hour (30 days)", () => engine.runsPerHour("acme", range)],
  ] as const) {
    const ms = await median(run);
    rows.push({ query: name, ms: round(ms), ratio: round(ms / baseline, 1) });
  }
  await engine.close();
  printTable(
    `DuckDB over ${ROWS} run rows (${reused ? `reused from ${root}` : `generated and written in ${round(generateMs / 1000)} s`}), median of 3`,
    rows,
  );
}

export async function benchLake(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "bench-lake-"));
  try {
    if (PARTS.includes("projector")) await projectorThroughput(dir);
    if (PARTS.includes("queries")) await duckdbQueries(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
