/// <reference path="../.sst/platform/config.d.ts" />
/**
 * The VPC the databases and the functions that reach them live in, and the stores inside it:
 * RDS Postgres (the relational read model) and ElastiCache Redis (the live read model).
 * Both sit in private subnets behind the VPC's security group, encrypted at rest, never
 * publicly accessible. Gateway endpoints keep DynamoDB and S3 traffic off the NAT.
 */
import type { StackSettings } from "./settings.ts";

export function network(settings: StackSettings) {
  const vpc = new sst.aws.Vpc("Vpc", { az: 2, nat: settings.nat });

  // free gateway endpoints: DynamoDB and S3 calls from private subnets bypass the NAT
  const region = aws.getRegionOutput().name;
  const routeTableIds = vpc.nodes.privateRouteTables.apply((tables) => tables.map((t) => t.id));
  const endpoints = (["dynamodb", "s3"] as const).map(
    (service) =>
      new aws.ec2.VpcEndpoint(`Vpc${service === "s3" ? "S3" : "DynamoDb"}Endpoint`, {
        vpcId: vpc.id,
        serviceName: $interpolate`com.amazonaws.${region}.${service}`,
        vpcEndpointType: "Gateway",
        routeTableIds,
      }),
  );

  const postgres = new sst.aws.Postgres("Database", {
    vpc,
    version: "17",
    database: "jobledger",
    instance: settings.postgres.instance,
    storage: settings.postgres.storage,
    multiAz: settings.postgres.multiAz,
    proxy: settings.postgres.proxy,
    transform: {
      instance: (args) => {
        args.publiclyAccessible = false;
        args.storageEncrypted = true;
        args.deletionProtection = settings.production;
        args.backupRetentionPeriod = settings.production ? 14 : 1;
      },
    },
  });

  const redis = new sst.aws.Redis("Redis", {
    vpc,
    engine: "valkey",
    instance: settings.redis.instance,
    // one primary, cluster mode off: multi-key Lua scripts and Redis Streams need no slot planning
    cluster: false,
  });

  /**
   * The `DATABASE_URL` config.ts reads. TLS is required by RDS Postgres 15+; the Lambda
   * Node.js 20 runtime trusts the RDS CAs once NODE_EXTRA_CA_CERTS points at its bundle.
   */
  const databaseUrl = $resolve([
    postgres.username,
    postgres.password,
    postgres.host,
    postgres.port,
    postgres.database,
  ]).apply(
    ([username, password, host, port, database]) =>
      `postgres://${encodeURIComponent(username)}:${encodeURIComponent(password)}@${host}:${port}/${database}?sslmode=verify-full`,
  );

  /** `REDIS_URL` of the live read model: TLS (`rediss://`; transit encryption is required), auth token */
  const redisUrl = $resolve([redis.username, redis.password, redis.host, redis.port]).apply(
    ([username, password, host, port]) =>
      `rediss://${encodeURIComponent(username ?? "default")}:${encodeURIComponent(password ?? "")}@${host}:${port}`,
  );

  return { vpc, endpoints, postgres, redis, databaseUrl, redisUrl };
}

export type NetworkResources = ReturnType<typeof network>;
