/// <reference path="../.sst/platform/config.d.ts" />
/**
 * The analytics lake: an S3 bucket of Hive-partitioned Parquet (`<table>/dt=YYYY-MM-DD/`),
 * Glue tables over it with partition projection (no crawler), and an Athena workgroup whose
 * query results go to their own bucket, expire after a week and are encrypted. The column
 * lists are the lake projector's contract (issue 4): keep them in step with its writer.
 */

/** A Glue column: name and Hive/Athena type. */
export interface LakeColumn {
  name: string;
  type: string;
  comment?: string;
}

/**
 * One row per event, every event type. `tenant` and `dt` are partitions (in the object path,
 * not in the files): see `lakePartitionKeys`.
 */
export const eventColumns: LakeColumn[] = [
  { name: "event_id", type: "string" },
  { name: "stream_id", type: "string" },
  { name: "version", type: "bigint", comment: "version of the event in its stream" },
  { name: "type", type: "string", comment: "event type, e.g. RunQueued" },
  { name: "schema_version", type: "int", comment: "schema version of the payload as written" },
  { name: "occurred_at", type: "timestamp" },
  { name: "actor", type: "string" },
  { name: "correlation_id", type: "string" },
  { name: "causation_id", type: "string" },
  { name: "payload", type: "string", comment: "the event payload as JSON" },
];

/** One row per finished run (packages/core/src/projections/lake-rows.ts writes them). */
export const runColumns: LakeColumn[] = [
  { name: "run_id", type: "string" },
  { name: "job_id", type: "string" },
  { name: "status", type: "string", comment: "succeeded, dead_lettered, cancelled, skipped" },
  { name: "trigger", type: "string", comment: "schedule, catch-up, manual" },
  { name: "attempts", type: "int" },
  { name: "scheduled_at", type: "timestamp" },
  { name: "started_at", type: "timestamp" },
  { name: "finished_at", type: "timestamp" },
  { name: "duration_ms", type: "bigint" },
  { name: "http_status", type: "int" },
  { name: "error_class", type: "string" },
  { name: "version", type: "bigint", comment: "stream version of the run's terminal event" },
];

/** Hive partitions of both tables, in path order: `<table>/tenant=<t>/dt=YYYY-MM-DD/`. */
export const lakePartitionKeys: LakeColumn[] = [
  { name: "tenant", type: "string" },
  { name: "dt", type: "string" },
];

const encryptedAes256 = (name: string, bucket: sst.aws.Bucket) =>
  new aws.s3.BucketServerSideEncryptionConfiguration(`${name}Encryption`, {
    bucket: bucket.name,
    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
  });

/** `bodyRetentionDays`: attempts' whole response bodies (`bodies/`) expire after that many days. */
export function lake(bodyRetentionDays: number) {
  const bucket = new sst.aws.Bucket("Lake", {
    lifecycle: [{ id: "attempt-bodies", prefix: "bodies/", expiresIn: `${bodyRetentionDays} days` }],
  });
  encryptedAes256("Lake", bucket);

  const results = new sst.aws.Bucket("AthenaResults", {
    lifecycle: [{ expiresIn: "7 days" }],
  });
  encryptedAes256("AthenaResults", results);

  const database = new aws.glue.CatalogDatabase("LakeDatabase", {
    // Glue names: lower case, digits and underscores
    name: `jobledger_${$app.stage.toLowerCase().replace(/[^a-z0-9]/g, "_")}`,
  });

  const table = (name: "events" | "runs", columns: LakeColumn[]) =>
    new aws.glue.CatalogTable(`Lake${name === "events" ? "Events" : "Runs"}Table`, {
      databaseName: database.name,
      name,
      tableType: "EXTERNAL_TABLE",
      parameters: {
        classification: "parquet",
        EXTERNAL: "TRUE",
        "projection.enabled": "true",
        // the tenant is injected from the query's `tenant = '...'` (every query names one)
        "projection.tenant.type": "injected",
        "projection.dt.type": "date",
        "projection.dt.format": "yyyy-MM-dd",
        "projection.dt.range": "2024-01-01,NOW",
        "projection.dt.interval": "1",
        "projection.dt.interval.unit": "DAYS",
        "storage.location.template": $interpolate`s3://${bucket.name}/${name}/tenant=\${tenant}/dt=\${dt}/`,
      },
      partitionKeys: lakePartitionKeys,
      storageDescriptor: {
        location: $interpolate`s3://${bucket.name}/${name}/`,
        inputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        outputFormat: "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        serDeInfo: { serializationLibrary: "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe" },
        columns,
      },
    });
  const eventsTable = table("events", eventColumns);
  const runsTable = table("runs", runColumns);

  const workgroup = new aws.athena.Workgroup("Analytics", {
    name: `jobledger-${$app.stage}`,
    forceDestroy: !($app.stage === "production"),
    configuration: {
      enforceWorkgroupConfiguration: true,
      publishCloudwatchMetricsEnabled: true,
      // a runaway query stops at 10 GB scanned ($0.05 at $5/TB)
      bytesScannedCutoffPerQuery: 10 * 1024 ** 3,
      resultConfiguration: {
        outputLocation: $interpolate`s3://${results.name}/results/`,
        encryptionConfiguration: { encryptionOption: "SSE_S3" },
      },
    },
  });

  return { bucket, results, database, eventsTable, runsTable, workgroup };
}

export type LakeResources = ReturnType<typeof lake>;
