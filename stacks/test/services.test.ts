/// <reference path="../../packages/core/src/adapters/local/standins-modules.d.ts" />
/**
 * The services added after the first stacks, evaluated with Pulumi mocks (./sst-harness.ts):
 * the API-keys and notifications tables keyed exactly as the code creates them locally
 * (compared with the tables `ensureApiKeyTable`/`ensureNotificationsTable` create in dynalite),
 * the Cognito user pool and the auth variables pointing at it, the Redis projector and the
 * notifier subscribed to the stream, REDIS_URL a TLS URL to the ElastiCache primary, and the
 * new permissions exact (no wildcard actions or resources).
 */
import { rmSync } from "node:fs";
import { DescribeTableCommand, type TableDescription } from "@aws-sdk/client-dynamodb";
import { ensureApiKeyTable } from "@jobledger/core/adapters/auth/dynamodb-api-key-store";
import { ensureParkedRecordsTable } from "@jobledger/core/adapters/dynamodb/parked-record-store";
import { createDynamoClients, type StandIn, startDynalite } from "@jobledger/core/adapters/local/standins";
import { ensureNotificationsTable } from "@jobledger/core/adapters/notify/notify-table";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Evaluation, evaluateStacks, type RecordedResource } from "./sst-harness.ts";

type Json = Record<string, unknown>;

let evaluation: Evaluation;
let dynalite: StandIn;
const localTables: Record<"apiKeys" | "notifications" | "parkedRecords", TableDescription> = {} as never;

beforeAll(async () => {
  dynalite = await startDynalite();
  const dynamo = createDynamoClients({ endpoint: dynalite.endpoint, region: "us-east-1" });
  await ensureApiKeyTable(dynamo.client, "services-test-api-keys");
  await ensureNotificationsTable(dynamo.client, "services-test-notifications");
  await ensureParkedRecordsTable(dynamo.client, "services-test-parked");
  for (const [key, name] of [
    ["apiKeys", "services-test-api-keys"],
    ["notifications", "services-test-notifications"],
    ["parkedRecords", "services-test-parked"],
  ] as const) {
    const described = await dynamo.client.send(new DescribeTableCommand({ TableName: name }));
    localTables[key] = described.Table ?? {};
  }
  dynamo.destroy();
  evaluation = await evaluateStacks({
    stage: "ci",
    env: {
      SST_SECRET_SigningMasterKey: "test-signing-master-key-0123456789abcdef",
      JOBLEDGER_EMAIL_FROM: "Jobledger CI <alerts@ci.example.com>",
      JOBLEDGER_EMAIL_IDENTITY: "ci.example.com",
      JOBLEDGER_CONSOLE_ORIGIN: "https://console.ci.example.com",
      // the console needs its Lambda build to be planned (stacks/console.ts); not this test's subject
      JOBLEDGER_STACKS_WITHOUT_CONSOLE: "1",
    },
  });
}, 180_000);

afterAll(async () => {
  await dynalite?.close();
  if (evaluation) rmSync(evaluation.work, { recursive: true, force: true });
});

const ofType = (type: string) => evaluation.resources.filter((r) => r.type === type);
const named = (type: string, name: string): RecordedResource => {
  const found = ofType(type).find((r) => r.name === name);
  if (!found) throw new Error(`no ${type} named ${name}; have ${ofType(type).map((r) => r.name)}`);
  return found;
};
const state = (r: RecordedResource, key: string) => r.state[key] as string;
const lambda = (name: string) => named("aws:lambda/function:Function", `${name}Function`);
const environment = (name: string) =>
  ((lambda(name).inputs.environment as { variables?: Record<string, string> }).variables ?? {}) as Record<
    string,
    string
  >;
interface Statement {
  effect: string;
  actions: string[];
  resources: string[];
}
const statements = (name: string): Statement[] => {
  const policies = named("aws:iam/role:Role", `${name}Role`).inputs.inlinePolicies as { policy: string }[];
  return policies.flatMap((p) => (JSON.parse(p.policy) as { Statement: Statement[] }).Statement);
};
const allowedOn = (name: string, resource: string) =>
  statements(name)
    .filter((s) => s.resources.includes(resource))
    .flatMap((s) => s.actions)
    .sort();
const table = (name: string) => named("aws:dynamodb/table:Table", `${name}Table`);
const stream = () => named("aws:kinesis/stream:Stream", "EventsStream");
const FUNCTIONS = [
  "ApiFunction",
  "PostgresProjector",
  "Runner",
  "SchedulerTick",
  "RedisProjector",
  "Notifier",
  "LakeProjector",
];

/** The key schema of a table as the stack declares it and as DynamoDB describes it, comparable. */
const declaredKeys = (r: RecordedResource) => ({
  attributes: (r.inputs.attributes as { name: string; type: string }[])
    .map((a) => `${a.name}:${a.type}`)
    .sort(),
  key: [r.inputs.hashKey, r.inputs.rangeKey].filter(Boolean),
  indexes: ((r.inputs.globalSecondaryIndexes as Json[] | undefined) ?? []).map((i) =>
    [i.name, i.hashKey, i.rangeKey, i.projectionType].filter(Boolean),
  ),
});
const describedKeys = (t: TableDescription) => ({
  attributes: (t.AttributeDefinitions ?? []).map((a) => `${a.AttributeName}:${a.AttributeType}`).sort(),
  key: (t.KeySchema ?? []).map((k) => k.AttributeName),
  indexes: (t.GlobalSecondaryIndexes ?? []).map((i) =>
    [i.IndexName, ...(i.KeySchema ?? []).map((k) => k.AttributeName), i.Projection?.ProjectionType].filter(
      Boolean,
    ),
  ),
});

describe("the new services in the stacks", () => {
  it("evaluate without errors and output the user pool, its client and the integration bus", () => {
    expect(evaluation.errors.map(String)).toEqual([]);
    expect(evaluation.outputs.userPool).toBe(`${named("aws:cognito/userPool:UserPool", "Users").name}-id`);
    expect(evaluation.outputs.integrationBus).toBe("jobledger-ci-integration");
  });

  it("key the API-keys and notifications tables as the code creates them locally, encrypted", () => {
    expect(declaredKeys(table("ApiKeys"))).toEqual(describedKeys(localTables.apiKeys));
    expect(declaredKeys(table("Notifications"))).toEqual(describedKeys(localTables.notifications));
    expect(declaredKeys(table("ApiKeys")).indexes).toEqual([["byTenant", "tenant", "ALL"]]);
    expect(declaredKeys(table("Notifications")).key).toEqual(["pk", "sk"]);
    for (const t of [table("ApiKeys"), table("Notifications")]) {
      expect(t.inputs.billingMode).toBe("PAY_PER_REQUEST");
      expect(t.inputs.serverSideEncryption).toEqual({ enabled: true });
    }
  });

  it("key the parked-records table as the code creates it, and let the API invoke each consumer to retry", () => {
    expect(declaredKeys(table("ParkedRecords"))).toEqual(describedKeys(localTables.parkedRecords));
    expect(table("ParkedRecords").inputs.serverSideEncryption).toEqual({ enabled: true });
    const functions = JSON.parse(environment("ApiFunction").JOBLEDGER_CONSUMER_FUNCTIONS ?? "{}");
    expect(Object.keys(functions).sort()).toEqual([
      "lake-projector",
      "notifier",
      "postgres-projector",
      "redis-projector",
      "runner",
    ]);
    expect(functions.runner).toBe(state(lambda("Runner"), "name"));
    expect(allowedOn("ApiFunction", state(lambda("Runner"), "arn"))).toEqual(["lambda:InvokeFunction"]);
    for (const name of FUNCTIONS) {
      expect(environment(name).JOBLEDGER_PARKED_RECORDS_TABLE, name).toBe(
        state(table("ParkedRecords"), "name"),
      );
    }
  });

  it("build the Redis projector and the notifier from handlers that export `handler`", () => {
    for (const [id, handler] of [
      ["RedisProjector", "packages/functions/src/handlers/redis-projector.handler"],
      ["Notifier", "packages/functions/src/handlers/notifier.handler"],
    ] as const) {
      const build = evaluation.builds.find((b) => b.functionID === id);
      expect(build?.handler, id).toBe(handler);
      expect(build?.errors).toEqual([]);
      expect(build?.exports).toContain("handler");
    }
  });

  it("subscribe the Redis projector and the notifier to the stream, each with its own on-failure queue", () => {
    const mappings = ofType("aws:lambda/eventSourceMapping:EventSourceMapping");
    for (const [consumer, batchSize] of [
      ["RedisProjector", 500],
      ["Notifier", 100],
    ] as const) {
      const mapping = mappings.find((m) => m.inputs.functionName === state(lambda(consumer), "arn"));
      expect(mapping, consumer).toBeDefined();
      const queue = named("aws:sqs/queue:Queue", `${consumer}DeadLetters`);
      expect(mapping!.inputs).toMatchObject({
        eventSourceArn: state(stream(), "arn"),
        startingPosition: "TRIM_HORIZON",
        batchSize,
        bisectBatchOnFunctionError: true,
        functionResponseTypes: ["ReportBatchItemFailures"],
        destinationConfig: { onFailure: { destinationArn: state(queue, "arn") } },
      });
      expect(allowedOn(consumer, state(queue, "arn"))).toEqual(["sqs:SendMessage"]);
      expect(allowedOn(consumer, state(stream(), "arn"))).toEqual(
        expect.arrayContaining(["kinesis:GetRecords", "kinesis:GetShardIterator"]),
      );
    }
    expect(mappings).toHaveLength(5);
  });

  it("point REDIS_URL of the API and the Redis projector at the ElastiCache primary over TLS, off elsewhere", () => {
    const redis = named("aws:elasticache/replicationGroup:ReplicationGroup", "RedisCluster");
    expect(redis.inputs.transitEncryptionEnabled).toBe(true);
    for (const name of ["ApiFunction", "RedisProjector"]) {
      const url = new URL(environment(name).REDIS_URL ?? "");
      expect([url.protocol, url.hostname, url.port]).toEqual([
        "rediss:",
        state(redis, "primaryEndpointAddress"),
        "6379",
      ]);
    }
    for (const name of ["PostgresProjector", "Runner", "SchedulerTick", "Notifier", "LakeProjector"]) {
      expect(environment(name).REDIS_URL, name).toBe("off");
    }
  });

  it("give the API the user pool's JWKS, issuer and app client, and the console's origin", () => {
    const pool = named("aws:cognito/userPool:UserPool", "Users");
    const client = named("aws:cognito/userPoolClient:UserPoolClient", "ConsoleClient");
    const schemas = (pool.inputs.schemas as { name: string; attributeDataType: string }[]).map((s) => [
      s.name,
      s.attributeDataType,
    ]);
    expect(schemas).toEqual([
      ["tenant", "String"],
      ["role", "String"],
    ]);
    expect(client.inputs.userPoolId).toBe(`${pool.name}-id`);
    expect(client.inputs.readAttributes).toEqual(expect.arrayContaining(["custom:tenant", "custom:role"]));
    expect(client.inputs.writeAttributes).not.toContain("custom:tenant");
    expect(client.inputs.writeAttributes).not.toContain("custom:role");
    const issuer = `https://cognito-idp.us-east-1.amazonaws.com/${pool.name}-id`;
    expect(environment("ApiFunction")).toMatchObject({
      JOBLEDGER_JWKS_URL: `${issuer}/.well-known/jwks.json`,
      JOBLEDGER_JWT_ISSUER: issuer,
      JOBLEDGER_JWT_AUDIENCE: `${client.name}-id`,
      JOBLEDGER_CONSOLE_ORIGIN: "https://console.ci.example.com",
    });
    expect(evaluation.outputs.userPoolClient).toBe(`${client.name}-id`);
  });

  it("give every function the new tables' names, and the notifier its sender and bus", () => {
    for (const name of FUNCTIONS) {
      expect(environment(name), name).toMatchObject({
        JOBLEDGER_API_KEYS_TABLE: state(table("ApiKeys"), "name"),
        JOBLEDGER_NOTIFICATIONS_TABLE: state(table("Notifications"), "name"),
      });
    }
    const bus = named("aws:cloudwatch/eventBus:EventBus", "IntegrationEvents");
    expect(environment("Notifier")).toMatchObject({
      JOBLEDGER_EMAIL_FROM: "Jobledger CI <alerts@ci.example.com>",
      JOBLEDGER_EVENT_BUS: state(bus, "name"),
      JOBLEDGER_CONSOLE_URL: "https://console.ci.example.com",
    });
    const identity = named("aws:sesv2/emailIdentity:EmailIdentity", "NotificationsSender");
    expect(identity.inputs.emailIdentity).toBe("ci.example.com");
  });

  it("grant the new tables, SES and EventBridge to exactly the functions that call them", () => {
    const arn = (r: RecordedResource) => state(r, "arn");
    const apiKeys = arn(table("ApiKeys"));
    const notifications = arn(table("Notifications"));
    const identity = arn(named("aws:sesv2/emailIdentity:EmailIdentity", "NotificationsSender"));
    const bus = arn(named("aws:cloudwatch/eventBus:EventBus", "IntegrationEvents"));
    expect(allowedOn("ApiFunction", apiKeys)).toEqual([
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
    ]);
    expect(allowedOn("ApiFunction", `${apiKeys}/index/byTenant`)).toEqual(["dynamodb:Query"]);
    expect(allowedOn("ApiFunction", notifications)).toEqual([
      "dynamodb:DeleteItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
    ]);
    expect(allowedOn("Notifier", notifications)).toEqual([
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
    ]);
    expect(allowedOn("Notifier", arn(table("EventStore")))).toEqual(["dynamodb:PutItem", "dynamodb:Query"]);
    expect(allowedOn("Notifier", identity)).toEqual(["ses:SendEmail"]);
    expect(allowedOn("Notifier", bus)).toEqual(["events:PutEvents"]);
    expect(allowedOn("RedisProjector", arn(table("EventStore")))).toEqual(["dynamodb:Query"]);
    for (const name of FUNCTIONS.filter((n) => n !== "ApiFunction")) {
      expect(allowedOn(name, apiKeys), name).toEqual([]);
    }
    for (const name of FUNCTIONS.filter((n) => n !== "Notifier")) {
      expect(allowedOn(name, identity), name).toEqual([]);
      expect(allowedOn(name, bus), name).toEqual([]);
    }
    for (const name of FUNCTIONS) {
      for (const statement of statements(name)) {
        expect(statement.effect).toBe("Allow");
        expect(statement.resources.filter((r) => r === "*" || r.endsWith(":*"))).toEqual([]);
        expect(statement.actions.filter((a) => a === "*" || a.endsWith(":*"))).toEqual([]);
      }
    }
  });

  it("let the API query the lake through Athena: its workgroup and Glue tables, read-only on the lake", () => {
    const workgroup = named("aws:athena/workgroup:Workgroup", "Analytics");
    const database = named("aws:glue/catalogDatabase:CatalogDatabase", "LakeDatabase");
    expect(environment("ApiFunction")).toMatchObject({
      JOBLEDGER_ANALYTICS_ENGINE: "athena",
      JOBLEDGER_ATHENA_DATABASE: database.inputs.name,
      JOBLEDGER_ATHENA_WORKGROUP: workgroup.inputs.name,
    });
    const lake = state(named("aws:s3/bucket:Bucket", "LakeBucket"), "arn");
    const results = state(named("aws:s3/bucket:Bucket", "AthenaResultsBucket"), "arn");
    expect(allowedOn("ApiFunction", state(workgroup, "arn"))).toEqual([
      "athena:GetQueryExecution",
      "athena:GetQueryResults",
      "athena:StartQueryExecution",
    ]);
    for (const glue of [
      "arn:aws:glue:us-east-1:123456789012:catalog",
      state(database, "arn"),
      ...ofType("aws:glue/catalogTable:CatalogTable").map((t) => state(t, "arn")),
    ]) {
      expect(allowedOn("ApiFunction", glue), glue).toEqual(["glue:GetDatabase", "glue:GetTable"]);
    }
    expect(allowedOn("ApiFunction", `${lake}/*`)).toEqual(["s3:GetObject"]);
    expect(allowedOn("ApiFunction", `${results}/*`)).toEqual([
      "s3:AbortMultipartUpload",
      "s3:GetObject",
      "s3:PutObject",
    ]);
    for (const name of FUNCTIONS.filter((n) => n !== "ApiFunction")) {
      // the lake projector only writes (next test)
      expect(allowedOn(name, `${lake}/*`), name).not.toContain("s3:GetObject");
      expect(allowedOn(name, state(workgroup, "arn")), name).toEqual([]);
    }
  });

  it("subscribe the lake projector, let it write (only write) the lake's objects, and ship parquet-wasm unbundled", () => {
    const lake = named("aws:s3/bucket:Bucket", "LakeBucket");
    const mapping = ofType("aws:lambda/eventSourceMapping:EventSourceMapping").find(
      (m) => m.inputs.functionName === state(lambda("LakeProjector"), "arn"),
    );
    expect(mapping?.inputs).toMatchObject({
      eventSourceArn: state(stream(), "arn"),
      batchSize: 2000,
      maximumBatchingWindowInSeconds: 60,
      functionResponseTypes: ["ReportBatchItemFailures"],
    });
    expect(environment("LakeProjector").JOBLEDGER_LAKE_BUCKET).toBe(state(lake, "bucket"));
    expect(allowedOn("LakeProjector", `${state(lake, "arn")}/*`)).toEqual(["s3:PutObject"]);
    expect(allowedOn("LakeProjector", state(table("EventStore"), "arn"))).toEqual(["dynamodb:Query"]);
    for (const name of FUNCTIONS.filter((n) => n !== "LakeProjector")) {
      expect(allowedOn(name, `${state(lake, "arn")}/*`), name).not.toContain("s3:PutObject");
    }
    const build = evaluation.builds.find((b) => b.functionID === "LakeProjector");
    expect(build?.errors).toEqual([]);
    expect(build?.exports).toContain("handler");
  });
});
