/** The Job aggregate: every command and every error, given/when/then; evolve and fold. */
import { describe, expect, it } from "vitest";
import { AlreadyExists, Gone, InvalidTransition, NotFound, ValidationFailed } from "../src/domain/errors.ts";
import { evolve, fold, REASON_MAX } from "../src/domain/job/aggregate.ts";
import { parseTargetAllowList } from "../src/domain/job/target-policy.ts";
import {
  created,
  definitionOf,
  deleted,
  given,
  JOB_ID,
  paused,
  resumed,
  STREAM_ID,
  stored,
  validInput,
} from "./domain-job-support.ts";

const base = definitionOf();

describe("CreateJob", () => {
  it("creates a job with every default filled in", () => {
    given()
      .when({ type: "CreateJob", definition: validInput() })
      .then([
        {
          type: "JobCreated",
          data: {
            definition: {
              name: "nightly report",
              description: null,
              request: {
                method: "POST",
                url: "https://api.example.com/reports",
                headers: {},
                body: '{"kind":"nightly"}',
                timeoutMs: 30_000,
              },
              schedule: {
                type: "cron",
                expression: "0 2 * * *",
                timezone: "Europe/Berlin",
                dst: { nonexistent: "run-after", repeated: "first" },
                startAt: null,
                endAt: null,
                jitterSeconds: 0,
              },
              retry: {
                maxAttempts: 3,
                initialDelayMs: 1000,
                maxDelayMs: 300_000,
                multiplier: 2,
                retryOn: ["network", "timeout", "429", "5xx"],
              },
              overlap: "skip",
              concurrency: null,
              catchUp: { windowSeconds: 3600, maxRuns: 1 },
              tags: [],
            },
          },
        },
      ]);
  });

  it("refuses a job that already exists, even a deleted one", () => {
    const error = given([created()])
      .when({ type: "CreateJob", definition: validInput() })
      .then(AlreadyExists);
    expect(error.message).toBe(`job ${JOB_ID} already exists`);
    given([created(), deleted()]).when({ type: "CreateJob", definition: validInput() }).then(AlreadyExists);
  });

  it("re-validates the definition and reports every issue with its field", () => {
    const error = given()
      .when({
        type: "CreateJob",
        definition: {
          ...validInput(),
          request: { method: "GET", url: "ftp://x" },
          retry: { maxAttempts: 0 },
        },
      })
      .then(ValidationFailed);
    expect(error.issues.map((i) => i.path)).toEqual(["request.url", "retry.maxAttempts"]);
    expect(error.message).toContain("request.url must use http or https");
  });

  it("refuses an SSRF target unless the allow-list permits it", () => {
    const internal = validInput({
      request: { method: "GET", url: "http://169.254.169.254/latest/meta-data" },
    });
    const error = given().when({ type: "CreateJob", definition: internal }).then(ValidationFailed);
    expect(error.issues).toEqual([
      { path: "request.url", message: expect.stringMatching(/^request\.url: .*link-local/) },
    ]);

    const allowed = given([], { allowList: parseTargetAllowList(["169.254.169.254"]) });
    const [event] = allowed
      .when({ type: "CreateJob", definition: internal })
      .then([{ type: "JobCreated", data: { definition: definitionOf(internal) } }]);
    expect(event?.type).toBe("JobCreated");
  });
});

describe("UpdateJob", () => {
  it("is NotFound before the job exists and Gone after it was deleted", () => {
    const error = given()
      .when({ type: "UpdateJob", patch: { name: "x" } })
      .then(NotFound);
    expect(error.message).toBe(`job ${JOB_ID} was not found`);
    const gone = given([created(), deleted()])
      .when({ type: "UpdateJob", patch: { name: "x" } })
      .then(Gone);
    expect(gone.message).toBe(`job ${JOB_ID} was deleted`);
  });

  it("records only the fields that changed", () => {
    given([created()])
      .when({ type: "UpdateJob", patch: { name: "weekly report", overlap: "skip", tags: [] } })
      .then([{ type: "JobUpdated", data: { changes: { name: "weekly report" }, changedFields: ["name"] } }]);
  });

  it("merges request and retry one level deep and records the whole changed sub-object", () => {
    given([created()])
      .when({
        type: "UpdateJob",
        patch: { request: { url: "https://api.example.com/v2" }, retry: { maxAttempts: 5 } },
      })
      .then([
        {
          type: "JobUpdated",
          data: {
            changes: {
              request: { ...base.request, url: "https://api.example.com/v2" },
              retry: { ...base.retry, maxAttempts: 5 },
            },
            changedFields: ["request", "retry"],
          },
        },
      ]);
  });

  it("merges headers by name, ignoring case; null removes one (RFC 7396)", () => {
    const withHeaders = definitionOf(
      validInput({
        request: { method: "POST", url: "https://a.example", headers: { A: "1", "X-Team": "x" } },
      }),
    );
    given([created(withHeaders)])
      .when({ type: "UpdateJob", patch: { request: { headers: { B: "2", "x-team": "y", A: null } } } })
      .then([
        {
          type: "JobUpdated",
          data: {
            changes: { request: { ...withHeaders.request, headers: { B: "2", "x-team": "y" } } },
            changedFields: ["request"],
          },
        },
      ]);
  });

  it("decides nothing when the patch changes nothing (header order and retryOn order do not count)", () => {
    const withHeaders = definitionOf(
      validInput({ request: { method: "POST", url: "https://a.example", headers: { A: "1", B: "2" } } }),
    );
    given([created(withHeaders)])
      .when({
        type: "UpdateJob",
        patch: {
          name: withHeaders.name,
          request: { headers: { B: "2", A: "1" } },
          retry: { retryOn: ["5xx", "429", "timeout", "network"] },
        },
      })
      .then([]);
  });

  it("clears the description with null", () => {
    const described = definitionOf(validInput({ description: "calls the report API" }));
    given([created(described)])
      .when({ type: "UpdateJob", patch: { description: null } })
      .then([
        { type: "JobUpdated", data: { changes: { description: null }, changedFields: ["description"] } },
      ]);
  });

  it("sets and clears concurrency (null clears it)", () => {
    given([created()])
      .when({ type: "UpdateJob", patch: { concurrency: 4 } })
      .then([{ type: "JobUpdated", data: { changes: { concurrency: 4 }, changedFields: ["concurrency"] } }]);
    const limited = definitionOf(validInput({ concurrency: 4 }));
    given([created(limited)])
      .when({ type: "UpdateJob", patch: { concurrency: null } })
      .then([
        { type: "JobUpdated", data: { changes: { concurrency: null }, changedFields: ["concurrency"] } },
      ]);
    const { state } = given([
      created(limited),
      { type: "JobUpdated", data: { changes: { concurrency: null }, changedFields: ["concurrency"] } },
    ]);
    expect(state?.definition.concurrency).toBeNull();
  });

  it("merges catchUp one level deep", () => {
    given([created()])
      .when({ type: "UpdateJob", patch: { catchUp: { maxRuns: 5 } } })
      .then([
        {
          type: "JobUpdated",
          data: { changes: { catchUp: { windowSeconds: 3600, maxRuns: 5 } }, changedFields: ["catchUp"] },
        },
      ]);
    given([created()])
      .when({ type: "UpdateJob", patch: { catchUp: { windowSeconds: 3600 } } })
      .then([]);
  });

  const tuned = definitionOf(
    validInput({
      schedule: {
        type: "cron",
        expression: "0 2 * * *",
        timezone: "Europe/Berlin",
        jitterSeconds: 60,
        dst: { nonexistent: "skip" },
        startAt: "2026-01-01T00:00:00Z",
        endAt: "2027-01-01T00:00:00Z",
      },
    }),
  );
  const tunedCron = tuned.schedule as Extract<typeof tuned.schedule, { type: "cron" }>;

  it("merges a partial schedule: zone, jitter, bounds and DST rules not given are kept", () => {
    given([created(tuned)])
      .when({ type: "UpdateJob", patch: { schedule: { expression: "0 3 * * *" } } })
      .then([
        {
          type: "JobUpdated",
          data: {
            changes: { schedule: { ...tunedCron, expression: "0 3 * * *" } },
            changedFields: ["schedule"],
          },
        },
      ]);
    given([created(tuned)])
      .when({ type: "UpdateJob", patch: { schedule: { dst: { repeated: "both" } } } })
      .then([
        {
          type: "JobUpdated",
          data: {
            changes: { schedule: { ...tunedCron, dst: { nonexistent: "skip", repeated: "both" } } },
            changedFields: ["schedule"],
          },
        },
      ]);
  });

  it("resets a schedule option to its default with null", () => {
    given([created(tuned)])
      .when({ type: "UpdateJob", patch: { schedule: { jitterSeconds: null, endAt: null, dst: null } } })
      .then([
        {
          type: "JobUpdated",
          data: {
            changes: {
              schedule: {
                ...tunedCron,
                jitterSeconds: 0,
                endAt: null,
                dst: { nonexistent: "run-after", repeated: "first" },
              },
            },
            changedFields: ["schedule"],
          },
        },
      ]);
  });

  it("a new schedule type drops the old kind's fields and keeps the shared ones", () => {
    given([created(tuned)])
      .when({ type: "UpdateJob", patch: { schedule: { type: "rate", everySeconds: 300 } } })
      .then([
        {
          type: "JobUpdated",
          data: {
            changes: {
              schedule: {
                type: "rate",
                everySeconds: 300,
                jitterSeconds: 60,
                startAt: "2026-01-01T00:00:00.000Z",
                endAt: "2027-01-01T00:00:00.000Z",
              },
            },
            changedFields: ["schedule"],
          },
        },
      ]);
    // what the kind needs and the patch lacks is refused by name
    const invalid = given([created(tuned)])
      .when({ type: "UpdateJob", patch: { schedule: { type: "rate" } } })
      .then(ValidationFailed);
    expect(invalid.issues.map((i) => i.path)).toEqual(["schedule.everySeconds"]);
    const removed = given([created(tuned)])
      .when({ type: "UpdateJob", patch: { schedule: { timezone: null } } })
      .then(ValidationFailed);
    expect(removed.issues).toEqual([{ path: "schedule.timezone", message: "schedule.timezone is required" }]);
    const nameless = given([created()])
      .when({ type: "UpdateJob", patch: { name: null } })
      .then(ValidationFailed);
    expect(nameless.issues).toEqual([{ path: "name", message: "name is required" }]);
  });

  it("arrays replace (tags, retry.retryOn); catchUp: null returns it to its defaults", () => {
    const tagged = definitionOf(validInput({ tags: ["a", "b"], catchUp: { maxRuns: 5 } }));
    given([created(tagged)])
      .when({ type: "UpdateJob", patch: { tags: ["c"], retry: { retryOn: ["timeout"] }, catchUp: null } })
      .then([
        {
          type: "JobUpdated",
          data: {
            changes: {
              retry: { ...tagged.retry, retryOn: ["timeout"] },
              catchUp: { windowSeconds: 3600, maxRuns: 1 },
              tags: ["c"],
            },
            changedFields: ["retry", "tags", "catchUp"],
          },
        },
      ]);
  });

  it("refuses a schedule that would never fire", () => {
    const never = given([created()])
      .when({
        type: "UpdateJob",
        patch: { schedule: { type: "once", at: "2026-01-01T00:00:00Z", endAt: "2026-01-01T00:00:00Z" } },
      })
      .then(ValidationFailed);
    expect(never.issues[0]?.path).toBe("schedule.at");
  });

  it("validates the patch itself: unknown fields, empty patch, bad values", () => {
    const unknown = given([created()])
      .when({ type: "UpdateJob", patch: { nmae: "typo" } })
      .then(ValidationFailed);
    expect(unknown.issues).toEqual([{ path: "nmae", message: "nmae is not a known field" }]);
    const empty = given([created()]).when({ type: "UpdateJob", patch: {} }).then(ValidationFailed);
    expect(empty.issues[0]?.message).toBe("the patch must change at least one field");
    const bad = given([created()])
      .when({ type: "UpdateJob", patch: { request: { timeoutMs: 0 } } })
      .then(ValidationFailed);
    expect(bad.issues).toEqual([
      { path: "request.timeoutMs", message: "request.timeoutMs must be from 1 to 900000" },
    ]);
  });

  it("validates the merged definition: a GET with the body it already had, delays crossing", () => {
    const body = given([created()])
      .when({ type: "UpdateJob", patch: { request: { method: "GET" } } })
      .then(ValidationFailed);
    expect(body.issues).toEqual([{ path: "request.body", message: "request.body is not allowed with GET" }]);
    const delays = given([created()])
      .when({ type: "UpdateJob", patch: { retry: { initialDelayMs: 400_000 } } })
      .then(ValidationFailed);
    expect(delays.issues[0]?.path).toBe("retry.initialDelayMs");
  });

  it("refuses moving the target to a private address", () => {
    const error = given([created()])
      .when({ type: "UpdateJob", patch: { request: { url: "http://10.0.0.5:8080/hook" } } })
      .then(ValidationFailed);
    expect(error.issues[0]).toEqual({ path: "request.url", message: expect.stringContaining("private") });
  });

  it("changes a paused job (and it stays paused)", () => {
    const { state } = given([created(), paused()]);
    expect(state?.status).toBe("paused");
    given([created(), paused()])
      .when({ type: "UpdateJob", patch: { overlap: "queue" } })
      .then([{ type: "JobUpdated", data: { changes: { overlap: "queue" }, changedFields: ["overlap"] } }]);
  });
});

describe("PauseJob", () => {
  it("pauses an active job with a trimmed reason, or none", () => {
    given([created()])
      .when({ type: "PauseJob", reason: "  maintenance " })
      .then([paused("maintenance")]);
    given([created()])
      .when({ type: "PauseJob" })
      .then([paused(null)]);
    given([created()])
      .when({ type: "PauseJob", reason: "" })
      .then([paused(null)]);
  });
  it("is a no-op on a paused job", () => {
    given([created(), paused()]).when({ type: "PauseJob", reason: "again" }).then([]);
  });
  it("is NotFound before creation and Gone after deletion", () => {
    given().when({ type: "PauseJob" }).then(NotFound);
    given([created(), deleted()]).when({ type: "PauseJob" }).then(Gone);
  });
  it("refuses a reason that is too long or not a string", () => {
    const long = given([created()])
      .when({ type: "PauseJob", reason: "x".repeat(REASON_MAX + 1) })
      .then(ValidationFailed);
    expect(long.issues).toEqual([
      { path: "reason", message: `reason must be at most ${REASON_MAX} characters` },
    ]);
    given([created()])
      .when({ type: "PauseJob", reason: 42 as unknown as string })
      .then(ValidationFailed);
  });
});

describe("ResumeJob", () => {
  it("resumes a paused job", () => {
    given([created(), paused()]).when({ type: "ResumeJob" }).then([resumed()]);
  });
  it("is a no-op on an active job", () => {
    given([created()]).when({ type: "ResumeJob" }).then([]);
    given([created(), paused(), resumed()]).when({ type: "ResumeJob" }).then([]);
  });
  it("is NotFound before creation and Gone after deletion", () => {
    given().when({ type: "ResumeJob" }).then(NotFound);
    given([created(), paused(), deleted()]).when({ type: "ResumeJob" }).then(Gone);
  });
});

describe("DeleteJob", () => {
  it("deletes an active or a paused job", () => {
    given([created()])
      .when({ type: "DeleteJob", reason: "obsolete" })
      .then([deleted("obsolete")]);
    given([created(), paused()])
      .when({ type: "DeleteJob" })
      .then([deleted(null)]);
  });
  it("is Gone when already deleted and NotFound before creation", () => {
    given([created(), deleted()]).when({ type: "DeleteJob" }).then(Gone);
    given().when({ type: "DeleteJob" }).then(NotFound);
  });
});

describe("evolve and fold", () => {
  it("folds a stream into the current state; version counts events", () => {
    expect(fold([])).toBeNull();
    const state = fold(
      stored([
        created(),
        {
          type: "JobUpdated",
          data: { changes: { name: "renamed", description: "d" }, changedFields: ["name", "description"] },
        },
        paused(),
        resumed(),
        paused("again"),
      ]),
    );
    expect(state).toEqual({
      id: JOB_ID,
      definition: { ...base, name: "renamed", description: "d" },
      status: "paused",
      version: 5,
    });
    const after = evolve(state, { ...deleted(), streamId: STREAM_ID, version: 6 });
    expect(after.status).toBe("deleted");
    expect(after.version).toBe(6);
  });

  it("applies only the changedFields of a JobUpdated (decoders fill the rest with null)", () => {
    const described = definitionOf(validInput({ description: "old" }));
    const state = fold(
      stored([
        created(described),
        {
          type: "JobUpdated",
          data: {
            changes: { description: null, name: null, tags: null } as never,
            changedFields: ["description"],
          },
        },
      ]),
    );
    expect(state?.definition).toEqual({ ...described, description: null });
  });

  it("throws InvalidTransition for events the state cannot take", () => {
    const cases: [string, ReturnType<typeof created>[]][] = [
      ["JobCreated twice", [created(), created()]],
      ["JobPaused before creation", [paused()]],
      ["JobResumed on an active job", [created(), resumed()]],
      ["JobPaused on a paused job", [created(), paused(), paused()]],
      [
        "JobUpdated after deletion",
        [
          created(),
          deleted(),
          { type: "JobUpdated", data: { changes: { name: "x" }, changedFields: ["name"] } },
        ],
      ],
      ["JobDeleted twice", [created(), deleted(), deleted()]],
    ];
    for (const [what, events] of cases) {
      expect(() => fold(stored(events)), what).toThrow(InvalidTransition);
    }
    expect(() => fold(stored([created(), resumed()]))).toThrow(
      "JobResumed is not allowed when the job is active",
    );
    expect(() => fold(stored([paused()]))).toThrow("JobPaused is not allowed when the job is not created");
  });

  it("refuses foreign events, gaps and non-job streams", () => {
    expect(() => fold([{ type: "RunQueued", data: {}, streamId: STREAM_ID }])).toThrow(
      "RunQueued is not a job event",
    );
    expect(() => fold([{ ...created(), streamId: STREAM_ID, version: 2 }])).toThrow("expected version 1");
    expect(() => fold([{ ...created(), streamId: "acme/run/1" }])).toThrow("is not a job stream id");
  });
});
