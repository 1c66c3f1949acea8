/**
 * The Athena adapter against a tiny in-process HTTP server speaking Athena's JSON protocol for
 * the three calls it uses (no Athena stand-in exists): start, poll until done, page results,
 * and failures surfaced with Athena's reason.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { AthenaClient } from "@aws-sdk/client-athena";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AthenaQueryError, createAthenaEngine } from "../src/adapters/analytics/athena-engine.ts";

interface Execution {
  sql: string;
  database: string;
  workgroup: string;
  polls: number;
  /** states returned by successive polls; the last one sticks */
  states: { State: string; StateChangeReason?: string }[];
  columns: { Name: string; Type: string }[];
  rows: (string | null)[][];
}

const executions = new Map<string, Execution>();
let nextResult: Omit<Execution, "sql" | "database" | "workgroup" | "polls"> = {
  states: [],
  columns: [],
  rows: [],
};
const PAGE = 2;
let server: Server;
let client: AthenaClient;

function handle(target: string, body: Record<string, unknown>): unknown {
  switch (target) {
    case "AmazonAthena.StartQueryExecution": {
      const id = `q-${executions.size + 1}`;
      executions.set(id, {
        sql: String(body.QueryString),
        database: String((body.QueryExecutionContext as { Database: string }).Database),
        workgroup: String(body.WorkGroup),
        polls: 0,
        ...nextResult,
      });
      return { QueryExecutionId: id };
    }
    case "AmazonAthena.GetQueryExecution": {
      const execution = executions.get(String(body.QueryExecutionId))!;
      const status = execution.states[Math.min(execution.polls, execution.states.length - 1)];
      execution.polls += 1;
      return { QueryExecution: { QueryExecutionId: body.QueryExecutionId, Status: status } };
    }
    case "AmazonAthena.GetQueryResults": {
      const execution = executions.get(String(body.QueryExecutionId))!;
      // like Athena: the header row first, then data rows, PAGE rows per page
      const all = [execution.columns.map((c) => c.Name), ...execution.rows];
      const start = body.NextToken ? Number(body.NextToken) : 0;
      const page = all.slice(start, start + PAGE);
      return {
        ResultSet: {
          Rows: page.map((row) => ({ Data: row.map((v) => (v === null ? {} : { VarCharValue: v })) })),
          ResultSetMetadata: { ColumnInfo: execution.columns.map((c) => ({ Name: c.Name, Type: c.Type })) },
        },
        ...(start + PAGE < all.length ? { NextToken: String(start + PAGE) } : {}),
      };
    }
  }
  throw new Error(`unexpected call ${target}`);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => {
      raw += chunk;
    });
    req.on("end", () => {
      const target = String(req.headers["x-amz-target"]);
      try {
        const out = handle(target, JSON.parse(raw || "{}"));
        res.writeHead(200, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify(out));
      } catch (error) {
        res
          .writeHead(400, { "content-type": "application/x-amz-json-1.1" })
          .end(JSON.stringify({ __type: "InvalidRequestException", message: String(error) }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  client = new AthenaClient({
    region: "us-east-1",
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
});

afterAll(async () => {
  client?.destroy();
  await new Promise((resolve) => server?.close(resolve));
});

const engine = () =>
  createAthenaEngine({ database: "jobledger_ci", workgroup: "jobledger-ci", client, pollMs: 1 });
const range = { from: new Date("2026-11-23T00:00:00Z"), to: new Date("2026-11-25T00:00:00Z") };

describe("Athena analytics engine", () => {
  it("starts the query in the workgroup and database, polls until it succeeds and pages every result row", async () => {
    nextResult = {
      states: [{ State: "QUEUED" }, { State: "RUNNING" }, { State: "SUCCEEDED" }],
      columns: [
        { Name: "job_id", Type: "varchar" },
        { Name: "runs", Type: "bigint" },
        { Name: "p50", Type: "double" },
        { Name: "p95", Type: "double" },
        { Name: "p99", Type: "double" },
      ],
      rows: [
        ["job-a", "10", "100.5", "200", "250"],
        ["job-b", "3", "50", "60", "70"],
        ["job-c", "1", "5", "5", "5"],
      ],
    };
    const rows = await engine().latency("acme", range);
    expect(rows).toEqual([
      { jobId: "job-a", runs: 10, p50Ms: 100.5, p95Ms: 200, p99Ms: 250 },
      { jobId: "job-b", runs: 3, p50Ms: 50, p95Ms: 60, p99Ms: 70 },
      { jobId: "job-c", runs: 1, p50Ms: 5, p95Ms: 5, p99Ms: 5 },
    ]);
    const execution = [...executions.values()].at(-1)!;
    expect(execution.polls).toBe(3);
    expect(execution.database).toBe("jobledger_ci");
    expect(execution.workgroup).toBe("jobledger-ci");
    // the adapter, not the caller, scopes the query to the tenant and prunes by day
    expect(execution.sql).toContain("tenant = 'acme'");
    expect(execution.sql).toContain("dt BETWEEN '2026-11-23' AND '2026-11-25'");
    expect(execution.sql).toContain("approx_percentile(duration_ms, 0.95)");
  });

  it("keeps nulls and types of an analyst's query", async () => {
    nextResult = {
      states: [{ State: "SUCCEEDED" }],
      columns: [
        { Name: "error_class", Type: "varchar" },
        { Name: "http_status", Type: "integer" },
        { Name: "ok", Type: "boolean" },
      ],
      rows: [["network", null, "false"]],
    };
    const out = await engine().query("SELECT error_class, http_status, ok FROM runs");
    expect(out).toEqual({
      columns: ["error_class", "http_status", "ok"],
      rows: [{ error_class: "network", http_status: null, ok: false }],
    });
  });

  it("surfaces a FAILED query with Athena's reason", async () => {
    nextResult = {
      states: [
        { State: "RUNNING" },
        { State: "FAILED", StateChangeReason: "SYNTAX_ERROR: line 1:8: Column 'nope' cannot be resolved" },
      ],
      columns: [],
      rows: [],
    };
    const failure = engine().query("SELECT nope FROM runs");
    await expect(failure).rejects.toBeInstanceOf(AthenaQueryError);
    await expect(failure).rejects.toThrow(/failed: SYNTAX_ERROR: line 1:8: Column 'nope' cannot be resolved/);
  });

  it("surfaces a CANCELLED query", async () => {
    nextResult = {
      states: [{ State: "CANCELLED", StateChangeReason: "Query cancelled by user" }],
      columns: [],
      rows: [],
    };
    await expect(engine().successRate("acme", range)).rejects.toThrow(/cancelled: Query cancelled by user/);
  });
});
