/**
 * The local runtime's built-in test target: its port is kept with the data folder, so the URL
 * printed at start (and every job created with it) still works after a restart; a kept port
 * that another process holds fails the start with a message naming JOBLEDGER_TEST_TARGET_PORT;
 * an explicit JOBLEDGER_TEST_TARGET_PORT wins. Neither `/echo` nor `/_requests` shows the
 * value of a sensitive header: every tenant's jobs call the same target.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger } from "@jobledger/core/logging";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalSystem } from "../src/local/system.ts";
import { startTestTarget, TEST_TARGET_PORT_FILE } from "../src/local/test-target.ts";

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "jobledger-target-port-"));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const start = (env: Record<string, string> = {}) =>
  startLocalSystem({
    logger: createLogger(undefined, "warn"),
    env: { PORT: "0", JOBLEDGER_DATA_DIR: dataDir, JOBLEDGER_SHARDS: "1", REDIS_URL: "off", ...env },
  });

const listenOn = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });

describe("the built-in test target's port", () => {
  let firstUrl: string;
  let keptPort: number;

  it("is picked at the first start, written to the data folder and reused by the next start", async () => {
    const first = await start();
    try {
      firstUrl = first.testTarget?.url ?? "";
      expect(firstUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      keptPort = Number(new URL(firstUrl).port);
      expect((await readFile(path.join(dataDir, TEST_TARGET_PORT_FILE), "utf8")).trim()).toBe(
        String(keptPort),
      );
    } finally {
      await first.stop();
    }
    const second = await start();
    try {
      expect(second.testTarget?.url).toBe(firstUrl);
      expect((await fetch(`${firstUrl}/ok`)).status).toBe(200);
    } finally {
      await second.stop();
    }
  }, 60_000);

  it("fails the start, naming JOBLEDGER_TEST_TARGET_PORT, when another process holds the kept port", async () => {
    const squatter = await listenOn(keptPort);
    try {
      await expect(start()).rejects.toThrow(
        new RegExp(`port ${keptPort} .*taken.*JOBLEDGER_TEST_TARGET_PORT`),
      );
      // an explicit setting wins over the kept port (and is not written down)
      const explicit = await start({ JOBLEDGER_TEST_TARGET_PORT: "0" });
      try {
        expect(explicit.testTarget?.url).not.toBe(firstUrl);
      } finally {
        await explicit.stop();
      }
      expect((await readFile(path.join(dataDir, TEST_TARGET_PORT_FILE), "utf8")).trim()).toBe(
        String(keptPort),
      );
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  }, 60_000);
});

describe("the built-in test target's answers", () => {
  const secrets = {
    Authorization: "Bearer tenant-a-secret-1",
    Cookie: "session=tenant-a-secret-2",
    "X-API-Key": "tenant-a-secret-3",
    "X-Upstream-Token": "tenant-a-secret-4",
    "Proxy-Authorization": "Basic dGVuYW50LWEtc2VjcmV0LTU=",
  };

  it("show sensitive headers as *** in /echo, /_requests and received(), and keep the others", async () => {
    const target = await startTestTarget(0);
    try {
      const echoed = (await (
        await fetch(`${target.url}/echo`, {
          method: "POST",
          headers: {
            ...secrets,
            Accept: "application/json",
            "X-Custom": "visible",
            "Idempotency-Key": "run-1",
          },
          body: "{}",
        })
      ).json()) as { headers: Record<string, string> };
      for (const name of Object.keys(secrets)) expect(echoed.headers[name.toLowerCase()]).toBe("***");
      // the runner's Idempotency-Key is the run id, no secret (tests read it)
      expect(echoed.headers).toMatchObject({
        accept: "application/json",
        "x-custom": "visible",
        "idempotency-key": "run-1",
      });

      const listed = await (await fetch(`${target.url}/_requests`)).text();
      const kept = JSON.stringify(target.received());
      for (const text of [JSON.stringify(echoed), listed, kept]) {
        for (const value of Object.values(secrets)) expect(text).not.toContain(value);
        expect(text).not.toContain("tenant-a-secret");
      }
      const request = target.received().find((r) => r.path === "/echo");
      expect(request?.headers).toMatchObject({ authorization: "***", cookie: "***", "x-custom": "visible" });

      // tests can still tell that the clear value arrived, without it being kept
      expect(target.carried("Authorization", secrets.Authorization)).toBe(true);
      expect(target.carried("x-upstream-token", secrets["X-Upstream-Token"])).toBe(true);
      expect(target.carried("Authorization", "Bearer something-else")).toBe(false);
      expect(target.carried("X-Custom", "visible")).toBe(false); // only sensitive headers are fingerprinted
    } finally {
      await target.close();
    }
  });
});
