/**
 * End to end, as a user runs it: `npm start` in a child process, driven over HTTP, stopped
 * with SIGTERM and started again on the same data folder.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { eventually } from "./support/local-system.ts";

const root = path.resolve(import.meta.dirname, "../../..");
let dataDir: string;
let child: ChildProcess | undefined;

/** the admin token `npm start` writes for the default tenant, as a user would read it */
const devToken = async () => (await readFile(path.join(dataDir, "dev-token"), "utf8")).trim();

async function start(): Promise<{ url: string; target: string }> {
  const proc = spawn("npm", ["start", "--silent"], {
    cwd: root,
    env: { ...process.env, PORT: "0", JOBLEDGER_DATA_DIR: dataDir, LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, so a stop reaches npm and the node process under it
  });
  child = proc;
  let output = "";
  proc.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  return await new Promise<{ url: string; target: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start printed no URL in 60 s:\n${output}`)), 60_000);
    proc.stdout?.on("data", (chunk) => {
      output += chunk;
      const api = /API\s+(http:\/\/\S+)\/v1\/jobs/.exec(output);
      const target = /Test target\s+(http:\/\/\S+)/.exec(output);
      if (api && target) {
        clearTimeout(timer);
        resolve({ url: api[1] as string, target: target[1] as string });
      }
    });
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${output}`));
    });
  });
}

async function stop(): Promise<void> {
  const proc = child;
  if (!proc || proc.exitCode !== null) return;
  const exited = new Promise((resolve) => proc.once("exit", resolve));
  process.kill(-(proc.pid as number), "SIGTERM");
  await exited;
  // npm may exit before the node process under it: the runtime's lock goes when it is done
  await eventually(async () => (existsSync(path.join(dataDir, "runtime.lock")) ? undefined : true), 20_000);
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "jobledger-e2e-"));
});
afterAll(async () => {
  await stop();
  await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
});

it("creates, changes, pauses and deletes a job over HTTP; the audit trail and read model agree; data survives a restart", async () => {
  let { url } = await start();
  const auth = { authorization: `Bearer ${await devToken()}` };
  expect((await fetch(`${url}/v1/jobs`)).status).toBe(401);
  const send = (method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}${pathname}`, {
      method,
      headers:
        body === undefined
          ? { ...auth, ...headers }
          : { "content-type": "application/json", ...auth, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  const created = await send(
    "POST",
    "/v1/jobs",
    {
      name: "e2e job",
      request: { method: "GET", url: "https://example.com/health" },
      schedule: { type: "rate", everySeconds: 60 },
      tags: ["e2e"],
    },
    { "X-Request-ID": "e2e-create" },
  );
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };

  const updated = await send(
    "PATCH",
    `/v1/jobs/${id}`,
    { description: "checks example.com" },
    { "If-Match": '"1"' },
  );
  expect(updated.status).toBe(200);
  expect((await send("POST", `/v1/jobs/${id}/pause`)).status).toBe(200);

  const row = await eventually(async () => {
    const res = await send("GET", `/v1/jobs/${id}`);
    const job =
      res.status === 200
        ? ((await res.json()) as { version: number; status: string; description: string })
        : null;
    return job && job.version === 3 ? job : undefined;
  });
  expect(row).toMatchObject({ status: "paused", description: "checks example.com" });

  await stop();
  ({ url } = await start());

  const listed = (await (await send("GET", "/v1/jobs?tag=e2e&status=paused")).json()) as {
    items: { id: string }[];
  };
  expect(listed.items.map((j) => j.id)).toEqual([id]);

  expect((await send("DELETE", `/v1/jobs/${id}`)).status).toBe(204);
  await eventually(async () => ((await send("GET", `/v1/jobs/${id}`)).status === 404 ? true : undefined));

  const trail = (await (await send("GET", `/v1/jobs/${id}/events`)).json()) as {
    items: { type: string; version: number; actor: string; correlationId: string }[];
  };
  expect(trail.items.map((e) => [e.version, e.type])).toEqual([
    [1, "JobCreated"],
    [2, "JobUpdated"],
    [3, "JobPaused"],
    [4, "JobDeleted"],
  ]);
  expect(trail.items[0]).toMatchObject({ actor: "user:dev", correlationId: "e2e-create" });
  await stop();
}, 120_000);

it("runs scheduled jobs against the local target: successes and dead letters show in the API", async () => {
  const { url, target } = await start();
  const auth = { authorization: `Bearer ${await devToken()}` };
  const send = (method: string, pathname: string, body?: unknown) =>
    fetch(`${url}${pathname}`, {
      method,
      headers: body === undefined ? auth : { "content-type": "application/json", ...auth },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const define = async (name: string, path: string) => {
    const res = await send("POST", "/v1/jobs", {
      name,
      request: { method: "GET", url: `${target}${path}`, timeoutMs: 2000 },
      schedule: { type: "rate", everySeconds: 2 },
      retry: { maxAttempts: 2, initialDelayMs: 100, maxDelayMs: 200 },
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  };
  const healthy = await define("healthy", "/ok");
  const broken = await define("broken", "/status/500");

  const statuses = async (jobId: string) => {
    const page = (await (await send("GET", `/v1/runs?jobId=${jobId}`)).json()) as {
      items: { status: string }[];
    };
    return page.items.map((r) => r.status);
  };
  await eventually(
    async () => ((await statuses(healthy)).filter((s) => s === "succeeded").length >= 2 ? true : undefined),
    30_000,
  );
  await eventually(
    async () => ((await statuses(broken)).includes("dead-lettered") ? true : undefined),
    30_000,
  );
  const letters = (await (await send("GET", `/v1/dead-letters?jobId=${broken}`)).json()) as {
    items: unknown[];
  };
  expect(letters.items.length).toBeGreaterThanOrEqual(1);
  expect(await statuses(healthy)).not.toContain("dead-lettered");
  await send("POST", `/v1/jobs/${healthy}/pause`);
  await send("POST", `/v1/jobs/${broken}/pause`);
}, 90_000);
