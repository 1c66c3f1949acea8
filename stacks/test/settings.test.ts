/** The deploy-time settings and the IAM statements per role: pure functions, no SST needed. */
import { describe, expect, it } from "vitest";
import { migrationsTarget } from "../functions.ts";
import { type FunctionRole, functionPermissions } from "../permissions.ts";
import { StackSettingsError, stackSettings } from "../settings.ts";

describe("stackSettings", () => {
  it("keeps a development stage small and on-demand", () => {
    const settings = stackSettings("dev", {});
    expect(settings.production).toBe(false);
    expect(settings.kinesis).toEqual({ mode: "ON_DEMAND" });
    expect(settings.nat).toBe("ec2");
    expect(settings.streamRetentionHours).toBe(24);
    expect(settings.postgres).toMatchObject({ instance: "t4g.micro", multiAz: false, proxy: false });
  });

  it("makes production multi-AZ, pooled through a proxy, with managed NAT gateways", () => {
    const settings = stackSettings("production", {});
    expect(settings.production).toBe(true);
    expect(settings.nat).toBe("managed");
    expect(settings.postgres).toMatchObject({ multiAz: true, proxy: true });
  });

  it("switches the stream to provisioned shards when a shard count is given", () => {
    expect(stackSettings("dev", { JOBLEDGER_KINESIS_SHARDS: "8" }).kinesis).toEqual({
      mode: "PROVISIONED",
      shardCount: 8,
    });
  });

  it("takes consumer tuning from the environment and refuses values Lambda would reject", () => {
    const settings = stackSettings("dev", {
      JOBLEDGER_RUNNER_BATCH: "20",
      JOBLEDGER_RUNNER_PARALLELIZATION: "4",
    });
    expect(settings.consumers.runner).toMatchObject({ batchSize: 20, parallelizationFactor: 4 });
    expect(() => stackSettings("dev", { JOBLEDGER_RUNNER_PARALLELIZATION: "11" })).toThrow(
      /JOBLEDGER_RUNNER_PARALLELIZATION must be an integer from 1 to 10, got "11"/,
    );
    expect(() => stackSettings("dev", { JOBLEDGER_KINESIS_SHARDS: "zero" })).toThrow(StackSettingsError);
    expect(() => stackSettings("dev", { JOBLEDGER_NAT: "none" })).toThrow(/JOBLEDGER_NAT must be/);
  });
});

describe("notification and console settings", () => {
  it("sends as the address of JOBLEDGER_EMAIL_FROM unless a domain identity is named", () => {
    expect(stackSettings("dev", {}).notifications.emailIdentity).toBe("notifications+dev@jobledger.example");
    const named = stackSettings("dev", { JOBLEDGER_EMAIL_FROM: "Ops <ops@example.com>" });
    expect(named.notifications).toEqual({
      emailFrom: "Ops <ops@example.com>",
      emailIdentity: "ops@example.com",
    });
    expect(
      stackSettings("dev", {
        JOBLEDGER_EMAIL_FROM: "ops@example.com",
        JOBLEDGER_EMAIL_IDENTITY: "example.com",
      }).notifications.emailIdentity,
    ).toBe("example.com");
    expect(() => stackSettings("dev", { JOBLEDGER_EMAIL_FROM: "nobody" })).toThrow(/JOBLEDGER_EMAIL_FROM/);
    expect(() =>
      stackSettings("dev", {
        JOBLEDGER_EMAIL_FROM: "ops@example.com",
        JOBLEDGER_EMAIL_IDENTITY: "other.org",
      }),
    ).toThrow(/JOBLEDGER_EMAIL_IDENTITY must be the sender's address or its domain/);
  });

  it("passes the console's origin only when given", () => {
    expect(stackSettings("dev", {}).consoleOrigin).toBeUndefined();
    expect(stackSettings("dev", { JOBLEDGER_CONSOLE_ORIGIN: "https://c.example.com" }).consoleOrigin).toBe(
      "https://c.example.com",
    );
  });
});

describe("functionPermissions", () => {
  const targets = {
    eventsTable: "events",
    eventsTableIndexes: "events/index/*",
    idempotencyTable: "idempotency",
    hostRateLimitTable: "rates",
    stream: "stream",
    apiKeysTable: "api-keys",
    apiKeysTenantIndex: "api-keys/index/byTenant",
    notificationsTable: "notifications",
    parkedRecordsTable: "parked",
    consumerFunctions: ["fn-runner", "fn-projector"],
    emailIdentity: "identity",
    eventBus: "bus",
    lakeBucket: "lake",
    lakeObjects: "lake/*",
    lakeBodies: "lake/bodies/*",
    athenaWorkgroup: "workgroup",
    athenaResultsBucket: "results",
    athenaResultsObjects: "results/*",
    glueCatalog: "catalog",
    glueDatabase: "database",
    glueTables: ["glue-events", "glue-runs"],
  };
  const actionsOn = (role: FunctionRole, resource: string) =>
    functionPermissions(role, targets)
      .filter((s) => s.resources.includes(resource))
      .flatMap((s) => s.actions);

  it("lets no role delete or scan the event store", () => {
    for (const role of ["api", "postgresProjector", "runner", "schedulerTick"] as const) {
      const actions = actionsOn(role, "events");
      expect(actions).not.toContain("dynamodb:DeleteItem");
      expect(actions).not.toContain("dynamodb:Scan");
      expect(actions).not.toContain("dynamodb:UpdateItem");
    }
  });

  it("lets only the notifier send e-mail or put integration events, and only the API touch API keys", () => {
    const roles = [
      "api",
      "postgresProjector",
      "runner",
      "schedulerTick",
      "redisProjector",
      "notifier",
    ] as const;
    for (const role of roles) {
      expect(actionsOn(role, "identity"), role).toEqual(role === "notifier" ? ["ses:SendEmail"] : []);
      expect(actionsOn(role, "bus"), role).toEqual(role === "notifier" ? ["events:PutEvents"] : []);
      if (role !== "api") expect(actionsOn(role, "api-keys"), role).toEqual([]);
      expect(actionsOn(role, "notifications"), role).not.toContain("dynamodb:Scan");
    }
    expect(actionsOn("redisProjector", "events")).toEqual(["dynamodb:Query"]);
    expect(actionsOn("redisProjector", "stream")).toContain("kinesis:GetRecords");
  });

  it("lets only the runner store response bodies, and only under bodies/", () => {
    expect(actionsOn("runner", "lake/bodies/*")).toEqual(["s3:PutObject"]);
    expect(actionsOn("runner", "lake/*")).toEqual([]);
    for (const role of ["api", "postgresProjector", "schedulerTick", "redisProjector", "notifier"] as const) {
      expect(actionsOn(role, "lake/bodies/*"), role).toEqual([]);
    }
  });

  it("lets every consumer park its records, and the API only list them and invoke the consumers to retry", () => {
    for (const role of [
      "postgresProjector",
      "runner",
      "redisProjector",
      "notifier",
      "lakeProjector",
    ] as const) {
      expect(actionsOn(role, "parked"), role).toEqual(
        expect.arrayContaining([
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
          "dynamodb:DeleteItem",
          "dynamodb:Query",
        ]),
      );
      expect(actionsOn(role, "fn-runner"), role).toEqual([]);
    }
    expect(actionsOn("api", "parked")).toEqual(["dynamodb:Query"]);
    expect(actionsOn("api", "fn-runner")).toEqual(["lambda:InvokeFunction"]);
    expect(actionsOn("schedulerTick", "parked")).toEqual([]);
  });

  it("lets only the stream's consumers read records", () => {
    expect(actionsOn("runner", "stream")).toContain("kinesis:GetRecords");
    expect(actionsOn("postgresProjector", "stream")).toContain("kinesis:GetRecords");
    expect(actionsOn("api", "stream")).toEqual(["kinesis:DescribeStreamSummary"]);
    expect(actionsOn("schedulerTick", "stream")).toEqual([]);
  });
});

describe("migrationsTarget", () => {
  it("is the migrations folder beside the handler's bundled file", () => {
    expect(migrationsTarget("packages/functions/src/handlers/api.handler")).toBe(
      "packages/functions/src/handlers/migrations",
    );
  });
});
