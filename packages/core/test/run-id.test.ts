/** Run ids: deterministic for scheduled fires, fresh for manual runs; run stream ids. */
import { validate as isUuid, version as uuidVersion } from "uuid";
import { describe, expect, it } from "vitest";
import {
  newManualRunId,
  parseRunStreamId,
  RUN_ID_NAMESPACE,
  runIdFor,
  runStreamId,
} from "../src/domain/run/run-id.ts";

const JOB = "0193a1d2-0000-7000-8000-00000000000a";
const FIRE = new Date("2026-11-23T12:00:00.000Z");

describe("runIdFor", () => {
  it("is a UUID v5 that stays the same across calls and releases", () => {
    const id = runIdFor(JOB, FIRE);
    expect(isUuid(id) && uuidVersion(id)).toBe(5);
    expect(runIdFor(JOB, new Date(FIRE.getTime()))).toBe(id);
    // pinned: changing the namespace or the name format would orphan existing runs
    expect(RUN_ID_NAMESPACE).toBe("cc522282-f86f-465a-8f74-57fee41af970");
    expect(id).toBe("dec76f7b-ba10-516c-b48b-0d2555f1cde8");
  });

  it("differs per job and per fire time (to the millisecond)", () => {
    const ids = new Set([
      runIdFor(JOB, FIRE),
      runIdFor(JOB, new Date(FIRE.getTime() + 1)),
      runIdFor(JOB, new Date(FIRE.getTime() + 60_000)),
      runIdFor("another-job", FIRE),
    ]);
    expect(ids.size).toBe(4);
    const many = new Set(
      Array.from({ length: 1000 }, (_, i) => runIdFor(JOB, new Date(FIRE.getTime() + i * 60_000))),
    );
    expect(many.size).toBe(1000);
  });

  it("refuses an invalid date or an empty job id", () => {
    expect(() => runIdFor(JOB, new Date(Number.NaN))).toThrow(/scheduledFor is not a valid Date/);
    expect(() => runIdFor("", FIRE)).toThrow(/job id is empty/);
  });
});

describe("manual run ids and stream ids", () => {
  it("gives manual runs fresh UUID v7 ids", () => {
    const a = newManualRunId();
    expect(uuidVersion(a)).toBe(7);
    expect(newManualRunId()).not.toBe(a);
  });

  it("builds and parses <tenant>/run/<runId>", () => {
    expect(runStreamId("acme", "r1")).toBe("acme/run/r1");
    expect(parseRunStreamId("acme/run/r1")).toEqual({ tenant: "acme", runId: "r1" });
    expect(parseRunStreamId("acme/job/r1")).toBeNull();
    expect(parseRunStreamId("acme/run/")).toBeNull();
    expect(() => runStreamId("a/b", "r1")).toThrow(/invalid tenant/);
    expect(() => runStreamId("acme", "")).toThrow(/invalid run id/);
  });
});
