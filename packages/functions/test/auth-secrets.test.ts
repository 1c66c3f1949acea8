/**
 * Secrets in job definitions: sensitive header values are sealed before the events are
 * appended (events and Postgres rows hold only `enc:v1:`), masked in API responses, kept when
 * a client sends the mask back, and opened by the runner just before the call.
 */
import { jobStreamId } from "@jobledger/core/domain/job/stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestSystem, type TestSystem } from "./support/local-system.ts";

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem();
});
afterAll(async () => {
  await sys?.stop();
});

const SECRET = "Bearer s3cr3t-do-not-store";
const TOKEN = "tok-0123456789";

async function storedText(jobId: string): Promise<{ events: string; row: string }> {
  const events: unknown[] = [];
  for await (const event of sys.services.eventStore.readStreamAll(jobStreamId("default", jobId)))
    events.push(event);
  const rows = await sys.services.database.pool.query(
    "SELECT definition::text AS d FROM jobs WHERE tenant = $1 AND job_id = $2",
    ["default", jobId],
  );
  return { events: JSON.stringify(events), row: (rows.rows[0] as { d: string } | undefined)?.d ?? "" };
}

describe("secret request headers", () => {
  it("are stored only as ciphertext, shown masked, and sent in the clear to the target", async () => {
    const target = sys.testTarget?.url as string;
    const res = await sys.json("POST", "/v1/jobs", {
      name: "with secrets",
      request: {
        method: "POST",
        url: `${target}/echo`,
        headers: { Authorization: SECRET, "X-Upstream-Token": TOKEN, Accept: "application/json" },
        body: "{}",
      },
      schedule: { type: "cron", expression: "0 3 * * *", timezone: "UTC" },
    });
    expect(res.status).toBe(201);
    const job = (await res.json()) as { id: string; request: { headers: Record<string, string> } };
    expect(job.request.headers).toEqual({
      Authorization: "***",
      "X-Upstream-Token": "***",
      Accept: "application/json",
    });

    const row = await eventually(async () => {
      const stored = await storedText(job.id);
      return stored.row ? stored : undefined;
    });
    for (const text of [row.events, row.row]) {
      expect(text).not.toContain("s3cr3t");
      expect(text).not.toContain(TOKEN);
      expect(text).toContain("enc:v1:");
      expect(text).toContain("application/json");
    }
    const read = (await (await sys.http(`/v1/jobs/${job.id}`)).json()) as {
      request: { headers: Record<string, string> };
    };
    expect(read.request.headers.Authorization).toBe("***");
    const trail = await (await sys.http(`/v1/jobs/${job.id}/events`)).text();
    expect(trail).not.toContain("s3cr3t");

    const trigger = await sys.json("POST", `/v1/jobs/${job.id}/runs`, {});
    expect(trigger.status).toBeLessThan(300);
    const received = await eventually(async () =>
      sys.testTarget?.received().find((r) => r.path === "/echo" && r.headers.authorization !== undefined),
    );
    // the target got the clear values (it keeps only their fingerprints, and shows `***`)
    expect(sys.testTarget?.carried("Authorization", SECRET)).toBe(true);
    expect(sys.testTarget?.carried("x-upstream-token", TOKEN)).toBe(true);
    expect(received.headers.authorization).toBe("***");
    expect(received.headers["x-upstream-token"]).toBe("***");
  });

  it("keep their value when a client sends the mask back, and change when given a new one", async () => {
    const target = sys.testTarget?.url as string;
    const created = (await (
      await sys.json("POST", "/v1/jobs", {
        name: "rotate me",
        request: { method: "GET", url: `${target}/ok`, headers: { "X-Api-Key": "first-key" } },
        schedule: { type: "cron", expression: "0 3 * * *", timezone: "UTC" },
      })
    ).json()) as { id: string; version: number };
    const sealedOf = async () => {
      const { events } = await storedText(created.id);
      return events.match(/enc:v1:[A-Za-z0-9_.-]+/g) ?? [];
    };
    const [first] = await sealedOf();

    // read-modify-write with the masked value and a new Accept header: the secret stays as it was
    const kept = await sys.json(
      "PATCH",
      `/v1/jobs/${created.id}`,
      { request: { headers: { "X-Api-Key": "***", Accept: "text/plain" } } },
      { "If-Match": `"${created.version}"` },
    );
    expect(kept.status).toBe(200);
    const afterKeep = await sealedOf();
    expect(afterKeep.every((s) => s === first)).toBe(true);

    const changed = await sys.json(
      "PATCH",
      `/v1/jobs/${created.id}`,
      { request: { headers: { "X-Api-Key": "second-key" } } },
      { "If-Match": '"2"' },
    );
    expect(changed.status).toBe(200);
    const afterChange = await sealedOf();
    expect(afterChange.some((s) => s !== first)).toBe(true);
    expect((await storedText(created.id)).events).not.toContain("second-key");
  });
});

describe("the length of a secret header", () => {
  const job = (headers: Record<string, string>) => ({
    name: "long secret",
    request: { method: "GET", url: `${sys.testTarget?.url as string}/ok`, headers },
    schedule: { type: "cron", expression: "0 3 * * *", timezone: "UTC" },
  });

  it("is checked on the plain value, before sealing: 422 naming the header and the limit", async () => {
    const res = await sys.json("POST", "/v1/jobs", job({ Authorization: `Bearer ${"a".repeat(7000)}` }));
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const problem = (await res.json()) as { errors?: { path: string; message: string }[]; detail?: string };
    const text = JSON.stringify(problem);
    expect(text).toContain("request.headers.Authorization");
    expect(text).toContain("6000");
    expect(text).not.toContain('8192 characters"');

    // an update is checked the same way
    const created = await sys.json("POST", "/v1/jobs", job({ Authorization: "Bearer short" }));
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const patched = await sys.json("PATCH", `/v1/jobs/${id}`, {
      request: { headers: { "X-Upstream-Token": "t".repeat(6001) } },
    });
    expect(patched.status).toBe(422);
    expect(await patched.text()).toContain("request.headers.X-Upstream-Token");
  });

  it("accepts a secret at the limit, and plain headers up to the header limit", async () => {
    const res = await sys.json(
      "POST",
      "/v1/jobs",
      job({ Authorization: "a".repeat(6000), "X-Trace": "b".repeat(8192) }),
    );
    expect(res.status).toBe(201);
  });
});
