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

describe("functionPermissions", () => {
  const targets = {
    eventsTable: "events",
    eventsTableIndexes: "events/index/*",
    idempotencyTable: "idempotency",
    hostRateLimitTable: "rates",
    stream: "stream",
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
