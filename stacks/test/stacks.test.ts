/**
 * Evaluates sst.config.ts with Pulumi's mocks (./sst-harness.ts) and checks what a deploy of
 * a stage would create: the handlers build and export `handler`, the bundles carry the
 * migrations where `migrate.ts` looks, the tables match the code's own table definitions,
 * the stream feeds each consumer with the intended event source mapping, each function has
 * exactly the environment config.ts reads and only the IAM actions of its role, the
 * databases are private and encrypted, and the alarms watch every consumer and function.
 * Deploying itself is not exercised (no AWS here).
 */
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { eventStoreTableSchema } from "@jobledger/core/adapters/dynamodb/event-store-table";
import { hostRateLimitTableDefinition } from "@jobledger/core/adapters/http/host-rate-limit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONSOLE_BUILD_COMMAND, CONSOLE_PATH, consoleIsBuilt } from "../console.ts";
import { type Evaluation, evaluateStacks, type RecordedResource, ROOT, sqlFiles } from "./sst-harness.ts";

type Json = Record<string, unknown>;

let evaluation: Evaluation;

beforeAll(async () => {
  evaluation = await evaluateStacks({
    stage: "ci",
    env: { SST_SECRET_SigningMasterKey: "test-signing-master-key-0123456789abcdef" },
  });
}, 180_000);

afterAll(() => {
  if (evaluation) rmSync(evaluation.work, { recursive: true, force: true });
});

const ofType = (type: string) => evaluation.resources.filter((r) => r.type === type);
const named = (type: string, name: string): RecordedResource => {
  const found = ofType(type).find((r) => r.name === name);
  if (!found) throw new Error(`no ${type} named ${name}; have ${ofType(type).map((r) => r.name)}`);
  return found;
};
const state = (r: RecordedResource, key: string) => r.state[key] as string;

const FUNCTIONS = {
  ApiFunction: "packages/functions/src/handlers/api.handler",
  PostgresProjector: "packages/functions/src/handlers/postgres-projector.handler",
  Runner: "packages/functions/src/handlers/runner.handler",
  SchedulerTick: "packages/functions/src/handlers/scheduler-tick.handler",
  RedisProjector: "packages/functions/src/handlers/redis-projector.handler",
  Notifier: "packages/functions/src/handlers/notifier.handler",
  LakeProjector: "packages/functions/src/handlers/lake-projector.handler",
} as const;
type FunctionName = keyof typeof FUNCTIONS;

const lambda = (name: FunctionName) => named("aws:lambda/function:Function", `${name}Function`);
const environment = (name: FunctionName) =>
  ((lambda(name).inputs.environment as { variables: Record<string, string> }).variables ?? {}) as Record<
    string,
    string
  >;
interface Statement {
  effect: string;
  actions: string[];
  resources: string[];
}
const statements = (name: FunctionName): Statement[] => {
  const role = named("aws:iam/role:Role", `${name}Role`);
  const policies = role.inputs.inlinePolicies as { policy: string }[];
  return policies.flatMap((p) => (JSON.parse(p.policy) as { Statement: Statement[] }).Statement);
};
const allowedOn = (name: FunctionName, resource: string) =>
  statements(name)
    .filter((s) => s.resources.includes(resource))
    .flatMap((s) => s.actions)
    .sort();

const tables = () => ({
  events: named("aws:dynamodb/table:Table", "EventStoreTable"),
  idempotency: named("aws:dynamodb/table:Table", "IdempotencyTable"),
  hostRateLimits: named("aws:dynamodb/table:Table", "HostRateLimitsTable"),
});
const stream = () => named("aws:kinesis/stream:Stream", "EventsStream");

describe("the stacks evaluated with Pulumi mocks", () => {
  it("run without errors and declare the outputs", () => {
    expect(evaluation.errors.map(String)).toEqual([]);
    expect(evaluation.outputs.api).toMatch(/^https:\/\//);
    expect(evaluation.outputs.eventsTable).toBe(state(tables().events, "name"));
    expect(evaluation.outputs.stream).toBe(state(stream(), "name"));
  });

  it("build every handler: the file exists, bundles, and exports the handler", () => {
    expect(evaluation.builds.map((b) => b.functionID).sort()).toEqual(Object.keys(FUNCTIONS).sort());
    for (const build of evaluation.builds) {
      expect(build.errors, build.functionID).toEqual([]);
      expect(build.handler).toBe(FUNCTIONS[build.functionID as FunctionName]);
      expect(build.exports).toContain("handler");
      expect(lambda(build.functionID as FunctionName).inputs.handler).toBe(build.handler);
    }
  });

  it("put the Postgres migrations beside each bundled handler, where migrate.ts reads them", async () => {
    const sources = await sqlFiles(path.join(ROOT, "packages/core/src/adapters/postgres/migrations"));
    expect(sources.length).toBeGreaterThan(0);
    for (const build of evaluation.builds) {
      expect(build.copyFiles).toHaveLength(1);
      const copy = build.copyFiles[0]!;
      expect(await sqlFiles(path.resolve(ROOT, copy.from))).toEqual(sources);
      // migrate.ts: new URL("./migrations/", import.meta.url), import.meta.url = the bundled file
      expect(path.join(build.out, copy.to)).toBe(path.join(path.dirname(build.bundledFile), "migrations"));
    }
  });

  it("declare the tables with the key schemas the code creates locally, encrypted with KMS", () => {
    const { events, idempotency, hostRateLimits } = tables();
    const attributes = (r: RecordedResource) =>
      (r.inputs.attributes as { name: string; type: string }[]).map((a) => `${a.name}:${a.type}`).sort();
    expect(attributes(events)).toEqual(
      eventStoreTableSchema.AttributeDefinitions.map((a) => `${a.AttributeName}:${a.AttributeType}`).sort(),
    );
    expect([events.inputs.hashKey, events.inputs.rangeKey]).toEqual(
      eventStoreTableSchema.KeySchema.map((k) => k.AttributeName),
    );
    const indexes = (events.inputs.globalSecondaryIndexes as Json[]).map((i) => [
      i.name,
      i.hashKey,
      i.rangeKey,
      i.projectionType,
    ]);
    expect(indexes).toEqual(
      eventStoreTableSchema.GlobalSecondaryIndexes.map((i) => [
        i.IndexName,
        i.KeySchema[0]?.AttributeName,
        i.KeySchema[1]?.AttributeName,
        i.Projection.ProjectionType,
      ]),
    );
    const rateDefinition = hostRateLimitTableDefinition("x");
    expect(attributes(hostRateLimits)).toEqual(
      rateDefinition.AttributeDefinitions?.map((a) => `${a.AttributeName}:${a.AttributeType}`),
    );
    expect(hostRateLimits.inputs.ttl).toEqual({ attributeName: "expiresAt", enabled: true });
    expect(idempotency.inputs.ttl).toEqual({ attributeName: "expiresAt", enabled: true });
    for (const table of [events, idempotency, hostRateLimits]) {
      expect(table.inputs.billingMode).toBe("PAY_PER_REQUEST");
      expect(table.inputs.serverSideEncryption).toEqual({ enabled: true });
    }
    expect(events.inputs.pointInTimeRecovery).toEqual({ enabled: true });
  });

  it("stream the event store natively to an encrypted on-demand Kinesis stream", () => {
    const destinations = ofType("aws:dynamodb/kinesisStreamingDestination:KinesisStreamingDestination");
    expect(destinations).toHaveLength(1);
    expect(destinations[0]!.inputs).toMatchObject({
      streamArn: state(stream(), "arn"),
      tableName: state(tables().events, "name"),
      approximateCreationDateTimePrecision: "MILLISECOND",
    });
    expect(ofType("aws:kinesis/stream:Stream")).toHaveLength(1);
    expect(stream().inputs).toMatchObject({
      streamModeDetails: { streamMode: "ON_DEMAND" },
      encryptionType: "KMS",
      kmsKeyId: "alias/aws/kinesis",
      retentionPeriod: 24,
    });
  });

  it("feed each consumer from the stream with batching, bisect-on-error, partial batch responses and its own on-failure queue", () => {
    const mappings = ofType("aws:lambda/eventSourceMapping:EventSourceMapping");
    expect(mappings).toHaveLength(5);
    for (const [consumer, batchSize, parallelizationFactor] of [
      ["PostgresProjector", 500, 2],
      ["Runner", 50, 10],
      ["RedisProjector", 500, 2],
      ["Notifier", 100, 2],
      ["LakeProjector", 2000, 1],
    ] as const) {
      const mapping = mappings.find((m) => m.inputs.functionName === state(lambda(consumer), "arn"));
      expect(mapping, consumer).toBeDefined();
      const queue = named("aws:sqs/queue:Queue", `${consumer}DeadLetters`);
      expect(queue.inputs.sqsManagedSseEnabled).toBe(true);
      expect(mapping!.inputs).toMatchObject({
        eventSourceArn: state(stream(), "arn"),
        startingPosition: "TRIM_HORIZON",
        batchSize,
        parallelizationFactor,
        bisectBatchOnFunctionError: true,
        functionResponseTypes: ["ReportBatchItemFailures"],
        destinationConfig: { onFailure: { destinationArn: state(queue, "arn") } },
      });
      // poison records are parked by the handler: a failed batch is an outage, retried in order
      expect(mapping!.inputs.maximumRetryAttempts).toBe(-1);
      const age = mapping!.inputs.maximumRecordAgeInSeconds as number;
      expect(consumer === "PostgresProjector" || consumer === "LakeProjector" ? age === -1 : age > 0).toBe(
        true,
      );
      const parkedAlarm = named("aws:cloudwatch/metricAlarm:MetricAlarm", `${consumer}ParkedRecordsAlarm`);
      expect(parkedAlarm.inputs.metricName).toBe("jobledger_records_parked_total");
      // the consumer may read the stream and send to its own queue, nothing of the other's
      expect(allowedOn(consumer, state(stream(), "arn"))).toEqual(
        expect.arrayContaining(["kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards"]),
      );
      expect(allowedOn(consumer, state(queue, "arn"))).toEqual(["sqs:SendMessage"]);
    }
    // the API and the scheduler do not consume the stream
    expect(allowedOn("ApiFunction", state(stream(), "arn"))).toEqual(["kinesis:DescribeStreamSummary"]);
    expect(allowedOn("SchedulerTick", state(stream(), "arn"))).toEqual([]);
  });

  it("invoke the scheduler tick every minute from EventBridge, within its one-minute timeout", () => {
    const rules = ofType("aws:cloudwatch/eventRule:EventRule");
    expect(rules).toHaveLength(1);
    expect(rules[0]!.inputs.scheduleExpression).toBe("rate(1 minute)");
    const targets = ofType("aws:cloudwatch/eventTarget:EventTarget");
    expect(targets.map((t) => t.inputs.arn)).toEqual([state(lambda("SchedulerTick"), "arn")]);
    expect(lambda("SchedulerTick").inputs.timeout).toBe(60);
  });

  it("serve the API through an HTTP API whose default route proxies to the API function", () => {
    const api = ofType("aws:apigatewayv2/api:Api");
    expect(api).toHaveLength(1);
    expect(api[0]!.inputs.protocolType).toBe("HTTP");
    expect(ofType("aws:apigatewayv2/route:Route").map((r) => r.inputs.routeKey)).toEqual(["$default"]);
    const integration = ofType("aws:apigatewayv2/integration:Integration");
    expect(integration.map((i) => [i.inputs.integrationUri, i.inputs.payloadFormatVersion])).toEqual([
      [state(lambda("ApiFunction"), "arn"), "2.0"],
    ]);
    expect(environment("ApiFunction").JOBLEDGER_PUBLIC_URL).toBe(evaluation.outputs.api);
  });

  it("give each function exactly the configuration config.ts reads, pointing at the declared resources", () => {
    const configSource = readFileSync(path.join(ROOT, "packages/core/src/config.ts"), "utf8");
    const readByConfig = new Set([
      ...[...configSource.matchAll(/env\.([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]),
      ...[...configSource.matchAll(/\(env, "([A-Z][A-Z0-9_]*)"/g)].map((m) => m[1]),
    ]);
    const platformVariables = new Set(["NODE_EXTRA_CA_CERTS"]);
    const { events, idempotency, hostRateLimits } = tables();
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      const env = environment(name);
      const ours = Object.keys(env).filter((k) => !k.startsWith("SST_") && !platformVariables.has(k));
      expect(
        ours.filter((k) => !readByConfig.has(k)),
        `${name} sets variables config.ts does not read`,
      ).toEqual([]);
      expect(env).toMatchObject({
        JOBLEDGER_STAGE: "ci",
        JOBLEDGER_CHANGE_FEED: "native",
        JOBLEDGER_EVENTS_TABLE: state(events, "name"),
        JOBLEDGER_IDEMPOTENCY_TABLE: state(idempotency, "name"),
        JOBLEDGER_HOST_RATE_LIMIT_TABLE: state(hostRateLimits, "name"),
        JOBLEDGER_STREAM_NAME: state(stream(), "name"),
        JOBLEDGER_SIGNING_MASTER_KEY: "test-signing-master-key-0123456789abcdef",
        JOBLEDGER_TEST_TARGET_PORT: "off",
      });
      const rds = named("aws:rds/instance:Instance", "DatabaseInstance");
      const url = new URL(env.DATABASE_URL ?? "");
      expect([url.protocol, url.hostname, url.pathname, url.searchParams.get("sslmode")]).toEqual([
        "postgres:",
        state(rds, "address"),
        `/${rds.inputs.dbName}`,
        "verify-full",
      ]);
      expect(lambda(name).inputs.runtime).toBe("nodejs20.x");
    }
  });

  it("grant each function only the DynamoDB actions its role calls, on the exact tables", () => {
    const { events, idempotency, hostRateLimits } = tables();
    const arn = (r: RecordedResource) => state(r, "arn");
    // BatchGetItem: a tenant's commits are read from the table, not trusted from its index
    expect(allowedOn("ApiFunction", arn(events))).toEqual([
      "dynamodb:BatchGetItem",
      "dynamodb:DescribeTable",
      "dynamodb:PutItem",
      "dynamodb:Query",
    ]);
    expect(allowedOn("ApiFunction", `${arn(events)}/index/*`)).toEqual([
      "dynamodb:PutItem",
      "dynamodb:Query",
    ]);
    expect(allowedOn("ApiFunction", arn(idempotency))).toEqual([
      "dynamodb:DeleteItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
    ]);
    expect(allowedOn("PostgresProjector", arn(events))).toEqual(["dynamodb:Query"]);
    expect(allowedOn("Runner", arn(events))).toEqual(["dynamodb:PutItem", "dynamodb:Query"]);
    expect(allowedOn("Runner", arn(hostRateLimits))).toEqual(["dynamodb:UpdateItem"]);
    expect(allowedOn("SchedulerTick", arn(events))).toEqual(["dynamodb:PutItem", "dynamodb:Query"]);
    for (const name of ["PostgresProjector", "SchedulerTick"] as const) {
      expect(allowedOn(name, arn(idempotency))).toEqual([]);
      expect(allowedOn(name, arn(hostRateLimits))).toEqual([]);
    }
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      for (const statement of statements(name)) {
        expect(statement.effect).toBe("Allow");
        expect(statement.resources).not.toContain("*");
        expect(statement.actions.filter((a) => a.endsWith(":*"))).toEqual([]);
      }
    }
  });

  it("keep Postgres and Redis private and encrypted, in the VPC with the functions", () => {
    const rds = named("aws:rds/instance:Instance", "DatabaseInstance");
    expect(rds.inputs).toMatchObject({
      publiclyAccessible: false,
      storageEncrypted: true,
      engine: "postgres",
    });
    const redis = named("aws:elasticache/replicationGroup:ReplicationGroup", "RedisCluster");
    expect(redis.inputs).toMatchObject({
      atRestEncryptionEnabled: true,
      transitEncryptionEnabled: true,
      transitEncryptionMode: "required",
    });
    const privateSubnets = ofType("aws:ec2/subnet:Subnet")
      .filter((s) => s.name.startsWith("VpcPrivateSubnet"))
      .map((s) => `${s.name}-id`);
    expect(privateSubnets).toHaveLength(2);
    const securityGroups = redis.inputs.securityGroupIds as string[];
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      const vpc = lambda(name).inputs.vpcConfig as { subnetIds: string[]; securityGroupIds: string[] };
      expect(vpc.subnetIds.sort()).toEqual(privateSubnets.sort());
      expect(vpc.securityGroupIds).toEqual(securityGroups);
    }
    const endpoints = ofType("aws:ec2/vpcEndpoint:VpcEndpoint").map((e) => e.inputs.serviceName);
    expect(endpoints.sort()).toEqual(["com.amazonaws.us-east-1.dynamodb", "com.amazonaws.us-east-1.s3"]);
  });

  it("declare the lake: encrypted buckets, Glue tables with partition projection, an Athena workgroup", () => {
    const encrypted = ofType(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    ).map((e) => e.inputs.bucket);
    const lake = named("aws:s3/bucket:Bucket", "LakeBucket");
    const results = named("aws:s3/bucket:Bucket", "AthenaResultsBucket");
    expect(encrypted.sort()).toEqual([state(lake, "bucket"), state(results, "bucket")].sort());
    // attempts' whole response bodies expire on their own (JOBLEDGER_BODY_RETENTION_DAYS, 30 by default)
    const lakeLifecycle = ofType("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").find(
      (l) => l.inputs.bucket === state(lake, "bucket"),
    );
    expect(lakeLifecycle?.inputs.rules).toEqual([
      expect.objectContaining({
        id: "attempt-bodies",
        status: "Enabled",
        filter: expect.objectContaining({ prefix: "bodies/" }),
        expiration: expect.objectContaining({ days: 30 }),
      }),
    ]);
    const glueTables = ofType("aws:glue/catalogTable:CatalogTable");
    expect(glueTables.map((t) => t.inputs.name).sort()).toEqual(["events", "runs"]);
    for (const table of glueTables) {
      const parameters = table.inputs.parameters as Record<string, string>;
      expect(parameters["projection.enabled"]).toBe("true");
      expect(parameters["storage.location.template"]).toBe(
        `s3://${state(lake, "bucket")}/${table.inputs.name}/tenant=\${tenant}/dt=\${dt}/`,
      );
      expect(parameters["projection.tenant.type"]).toBe("injected");
      expect(table.inputs.partitionKeys).toEqual([
        { name: "tenant", type: "string" },
        { name: "dt", type: "string" },
      ]);
    }
    const workgroup = ofType("aws:athena/workgroup:Workgroup");
    expect(workgroup).toHaveLength(1);
    expect(workgroup[0]!.inputs.configuration).toMatchObject({
      enforceWorkgroupConfiguration: true,
      resultConfiguration: {
        outputLocation: `s3://${state(results, "bucket")}/results/`,
        encryptionConfiguration: { encryptionOption: "SSE_S3" },
      },
    });
  });

  it("alarm on each consumer's iterator age and dead letters and on every function's errors", () => {
    const topic = state(ofType("aws:sns/topic:Topic")[0]!, "arn");
    const alarms = ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.inputs);
    const watching = (metric: string) =>
      alarms
        .filter((a) => a.metricName === metric)
        .map((a) => Object.values(a.dimensions as Record<string, string>)[0])
        .sort();
    const fnName = (name: FunctionName) => state(lambda(name), "name");
    const consumers = ["PostgresProjector", "Runner", "RedisProjector", "Notifier", "LakeProjector"] as const;
    expect(watching("IteratorAge")).toEqual(consumers.map(fnName).sort());
    expect(watching("Errors")).toEqual((Object.keys(FUNCTIONS) as FunctionName[]).map(fnName).sort());
    expect(watching("ApproximateNumberOfMessagesVisible")).toEqual(
      consumers.map((c) => state(named("aws:sqs/queue:Queue", `${c}DeadLetters`), "name")).sort(),
    );
    for (const alarm of alarms) expect(alarm.alarmActions).toEqual([topic]);
  });

  it("alarm on the API's 5xx rate, schedule lag and dead-lettered runs from the functions' metrics", () => {
    const topic = state(ofType("aws:sns/topic:Topic")[0]!, "arn");
    const alarm = (name: string) => named("aws:cloudwatch/metricAlarm:MetricAlarm", name).inputs;
    const apiId = `${ofType("aws:apigatewayv2/api:Api")[0]!.name}-id`;

    const rate = alarm("Api5xxRateAlarm");
    const queries = rate.metricQueries as {
      id: string;
      expression?: string;
      returnData?: boolean;
      metric?: Json;
    }[];
    expect(queries.filter((q) => q.metric).map((q) => q.metric)).toEqual([
      expect.objectContaining({
        namespace: "AWS/ApiGateway",
        metricName: "5xx",
        dimensions: { ApiId: apiId },
      }),
      expect.objectContaining({
        namespace: "AWS/ApiGateway",
        metricName: "Count",
        dimensions: { ApiId: apiId },
      }),
    ]);
    expect(queries.find((q) => q.returnData)?.expression).toMatch(/errors \/ requests/);
    expect(rate.threshold).toBe(0.05);

    // the EMF metrics the functions print (namespace Jobledger, service=jobledger)
    expect(alarm("ScheduleLagAlarm")).toMatchObject({
      namespace: "Jobledger",
      metricName: "jobledger_schedule_lag_seconds",
      dimensions: { service: "jobledger" },
      statistic: "Maximum",
    });
    expect(alarm("RunsDeadLetteredAlarm")).toMatchObject({
      namespace: "Jobledger",
      metricName: "jobledger_runs_total",
      dimensions: { service: "jobledger", outcome: "dead_lettered" },
      threshold: 0,
    });
    for (const name of ["Api5xxRateAlarm", "ScheduleLagAlarm", "RunsDeadLetteredAlarm"]) {
      expect(alarm(name).alarmActions).toEqual([topic]);
    }
  });

  it("declare a dashboard with every alarm, each consumer's iterator age and the EMF metrics", () => {
    const dashboards = ofType("aws:cloudwatch/dashboard:Dashboard");
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0]!.inputs.dashboardName).toBe("jobledger-ci");
    const body = JSON.parse(dashboards[0]!.inputs.dashboardBody as string) as {
      widgets: { type: string; properties: { alarms?: string[]; metrics?: unknown[] } }[];
    };
    const alarmArns = ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => state(a, "arn"));
    const alarmWidget = body.widgets.find((w) => w.type === "alarm");
    expect(alarmWidget?.properties.alarms?.slice().sort()).toEqual(alarmArns.slice().sort());
    const text = JSON.stringify(body);
    for (const fn of ["PostgresProjector", "Runner"] as const) {
      expect(text).toContain(
        JSON.stringify(["AWS/Lambda", "IteratorAge", "FunctionName", state(lambda(fn), "name")]).slice(0, -1),
      );
    }
    for (const metric of [
      "jobledger_runs_total",
      "jobledger_http_requests_total",
      "jobledger_events_appended_total",
      "jobledger_notification_deliveries_total",
    ]) {
      expect(text).toContain(`MetricName=\\"${metric}\\"`);
    }
    expect(text).toContain("jobledger_schedule_lag_seconds");
    for (const w of body.widgets) expect(w.properties).toBeDefined();
    expect(evaluation.outputs.dashboard).toBe("jobledger-ci");
  });

  it("build the console for Lambda on deploy (the evaluation itself leaves it out)", () => {
    expect(consoleIsBuilt(ROOT)).toBe(true);
    const scripts = JSON.parse(readFileSync(path.join(ROOT, CONSOLE_PATH, "package.json"), "utf8")).scripts;
    expect(CONSOLE_BUILD_COMMAND).toBe("npm run build:lambda");
    expect(scripts["build:lambda"]).toContain("JOBLEDGER_CONSOLE_PRESET=aws-lambda");
    expect(readFileSync(path.join(ROOT, CONSOLE_PATH, "app.config.ts"), "utf8")).toContain(
      "process.env.JOBLEDGER_CONSOLE_PRESET",
    );
    expect(ofType("sst:aws:SolidStart")).toHaveLength(0);
  });
});
