/**
 * `jobledger jobs|runs|dead-letters` against a running local test system, as a user runs them
 * (child processes): URL and token from flags, the environment or the data folder; tables by
 * default, the API's JSON with --json; a job is created from a file, changed, paused, resumed,
 * triggered, its dead-lettered run listed and redriven (dry run first), and deleted (issue 16,
 * item 19).
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestSystem, type TestSystem } from "./support/local-system.ts";

const BIN = path.resolve(import.meta.dirname, "../bin/jobledger.js");
const run = promisify(execFile);
let sys: TestSystem;
let dir: string;
let env: NodeJS.ProcessEnv;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}
const cli = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Outcome> =>
  run("node", [BIN, ...args], { env: { ...env, ...extraEnv }, timeout: 60_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
/** through flags */
const withFlags = (...args: string[]) => cli([...args, "--api-url", sys.url, "--token", sys.devToken ?? ""]);
const json = async <T>(...args: string[]): Promise<T> => {
  const outcome = await withFlags(...args, "--json");
  expect(outcome.stderr).toBe("");
  expect(outcome.code).toBe(0);
  return JSON.parse(outcome.stdout) as T;
};

beforeAll(async () => {
  sys = await startTestSystem();
  dir = await mkdtemp(path.join(os.tmpdir(), "cli-resources-"));
  env = { ...process.env, LOG_LEVEL: "warn", JOBLEDGER_DATA_DIR: path.join(dir, "no-such-folder") };
  for (const name of ["JOBLEDGER_API_URL", "JOBLEDGER_TOKEN", "PORT"]) delete env[name];
}, 60_000);

afterAll(async () => {
  await sys?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("jobs, runs and dead letters from the command line", () => {
  it("creates, lists, shows, changes, pauses, resumes, triggers and deletes a job", async () => {
    const file = path.join(dir, "job.json");
    await writeFile(
      file,
      JSON.stringify({
        name: "cli nightly",
        request: { method: "GET", url: `${sys.testTarget?.url}/status/500`, timeoutMs: 5000 },
        schedule: { type: "cron", expression: "0 3 * * *", timezone: "Europe/Berlin" },
        retry: { maxAttempts: 1 },
        tags: ["cli"],
      }),
    );
    const created = await withFlags("jobs", "create", "-f", file);
    expect(created.stderr).toBe("");
    const id = /^created job ([0-9a-f-]{36}) \(cli nightly, version 1\)$/m.exec(created.stdout)?.[1];
    expect(id).toBeDefined();
    const jobId = id as string;

    // a table by default, through the environment this time
    const list = await eventually(async () => {
      const outcome = await cli(["jobs", "list", "--tag", "cli"], {
        JOBLEDGER_API_URL: sys.url,
        JOBLEDGER_TOKEN: sys.devToken ?? "",
      });
      return outcome.stdout.includes(jobId) ? outcome : undefined;
    });
    const [header, row] = list.stdout.split("\n");
    expect(header).toMatch(/^ID +NAME +STATUS +SCHEDULE +REQUEST +VERSION$/);
    expect(row).toMatch(
      new RegExp(`^${jobId} +cli nightly +active +cron 0 3 \\* \\* \\* \\(Europe/Berlin\\) +GET http`),
    );

    // the data folder (api-url and dev-token written by the system) is the last default
    const got = await cli(["jobs", "get", jobId], { JOBLEDGER_DATA_DIR: sys.config.dataDir });
    expect(got.stdout).toMatch(/^id +[0-9a-f-]{36}\nname +cli nightly\nstatus +active\n/);

    const patch = path.join(dir, "patch.json");
    await writeFile(patch, JSON.stringify({ name: "cli nightly v2" }));
    const updated = await withFlags("jobs", "update", jobId, "-f", patch, "--if-version", "1");
    expect(updated.stdout).toBe(`updated job ${jobId} (version 2)\n`);
    const stale = await withFlags("jobs", "update", jobId, "-f", patch, "--if-version", "1");
    expect(stale.code).toBe(2);
    expect(stale.stderr).toMatch(/^jobledger: PATCH \/v1\/jobs\/.* answered 412/);

    expect((await withFlags("jobs", "pause", jobId, "--reason", "maintenance")).stdout).toBe(
      `paused job ${jobId} (version 3)\n`,
    );
    expect((await json<{ status: string; version: number }>("jobs", "get", jobId)).status).toBe("paused");
    expect((await withFlags("jobs", "resume", jobId)).stdout).toBe(`resumed job ${jobId} (version 4)\n`);

    // a manual run that fails for good: runs and dead letters
    const triggered = await json<{ runId: string; status: string }>("jobs", "trigger", jobId);
    expect(triggered.status).toBe("queued");
    const runId = triggered.runId;
    const runNow = async () => {
      const res = await sys.http(`/v1/runs/${runId}`);
      return res.status === 200 ? ((await res.json()) as { status: string; version: number }) : null;
    };
    const deadLettered = (after = 0) =>
      eventually(async () => {
        const r = await runNow();
        return r && r.status === "dead-lettered" && r.version > after ? r.version : undefined;
      }, 60_000);
    const firstEnd = await deadLettered();
    const runs = await withFlags("runs", "list", "--job", jobId);
    expect(runs.stdout.split("\n")[0]).toMatch(
      /^RUN +JOB +STATUS +TRIGGER +ATTEMPT +LAST +CREATED +FINISHED$/,
    );
    expect(runs.stdout).toMatch(new RegExp(`^${runId} +${jobId} +dead-lettered +manual +1 +HTTP 500 `, "m"));
    const shown = await withFlags("runs", "get", runId);
    expect(shown.stdout).toMatch(/^status +dead-lettered$/m);
    expect(shown.stdout).toMatch(/^last outcome +HTTP 500$/m);

    const letters = await json<{ items: { runId: string }[] }>("dead-letters", "list", "--job", jobId);
    expect(letters.items.map((r) => r.runId)).toEqual([runId]);
    const dry = await withFlags("dead-letters", "redrive", "--job", jobId, "--dry-run");
    expect(dry.stdout).toBe(`would redrive 1 run(s):\n  ${runId}\n`);
    expect((await json<{ status: string }>("runs", "get", runId)).status).toBe("dead-lettered");
    const redriven = await withFlags("dead-letters", "redrive", "--run", runId);
    expect(redriven.stdout).toBe(`redrove 1 run(s)\n  ${runId}\n`);

    // a dead letter can be cancelled (it leaves the list); a cancelled run cannot be again
    await deadLettered(firstEnd); // the redriven run failed again
    expect((await withFlags("runs", "cancel", runId, "--reason", "gave up")).stdout).toBe(
      `run ${runId} is cancelled\n`,
    );
    const again = await withFlags("runs", "cancel", runId);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^jobledger: POST \/v1\/runs\/.*\/cancel answered 409/);

    expect((await withFlags("jobs", "delete", jobId)).stdout).toBe(`deleted job ${jobId}\n`);
    const gone = await withFlags("jobs", "get", jobId);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/answered (404|410)/);
  }, 240_000);

  it("says plainly what is wrong with a file, and where the token comes from", async () => {
    const bad = path.join(dir, "bad.json");
    await writeFile(bad, "{ name: ");
    const notJson = await withFlags("jobs", "create", "-f", bad);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/^jobledger: .*bad\.json is not JSON/);

    const invalid = path.join(dir, "invalid.json");
    await writeFile(invalid, JSON.stringify({ name: "no request" }));
    const refused = await withFlags("jobs", "create", "-f", invalid);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^jobledger: POST \/v1\/jobs answered 422/);

    const noToken = await cli(["jobs", "list", "--api-url", sys.url]);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/^jobledger: no token: pass --token, set JOBLEDGER_TOKEN/);
  }, 60_000);
});
