/**
 * Evaluates `sst.config.ts` offline, the way `sst deploy` would up to the point where it talks
 * to AWS: Pulumi's mocks stand in for the engine and the cloud, and this module provides what
 * SST's CLI normally does around the program — the globals (`$app`, `$cli`, `sst`, `aws`,
 * `$interpolate`, …) and the RPC server the components call, whose `Runtime.Build` bundles
 * each function's handler with esbuild as SST does (same output layout), so a wrong handler
 * path, a missing export or an unresolvable import fails here.
 *
 * It relies on SST internals (`.sst/platform/src`), which is why `sst` is pinned exactly.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const PLATFORM = path.join(ROOT, ".sst/platform");

/** The switches that let `sst install` run without AWS, telemetry or Bun (STACK.md). */
export const OFFLINE_ENV = {
  SST_TELEMETRY_DISABLED: "1",
  SST_SKIP_DEPENDENCY_CHECK: "1",
  SST_NO_BUN: "1",
  SST_STAGE: "ci",
  AWS_EC2_METADATA_DISABLED: "true",
};

/** The installed `sst` package's version and the one `.sst/platform` was written by, if any. */
function platformVersions(): { sst: string; platform: string | undefined } {
  const sst = (JSON.parse(readFileSync(path.join(ROOT, "node_modules/sst/package.json"), "utf8")) as Json)
    .version as string;
  const file = path.join(PLATFORM, "version");
  return { sst, platform: existsSync(file) ? readFileSync(file, "utf8").trim() : undefined };
}

/** Runs `npx sst install` offline unless `.sst/platform` is there and from the installed `sst`. */
export async function ensurePlatform(): Promise<void> {
  const versions = platformVersions();
  if (
    versions.platform === versions.sst &&
    existsSync(path.join(PLATFORM, "node_modules/@pulumi/pulumi/package.json"))
  ) {
    return;
  }
  await promisify(execFile)("npx", ["sst", "install"], {
    cwd: ROOT,
    env: { ...process.env, ...OFFLINE_ENV },
    timeout: 170_000,
  });
  if (!existsSync(path.join(PLATFORM, "src/components/index.ts"))) {
    throw new Error(`"npx sst install" finished but ${PLATFORM} holds no platform sources`);
  }
}

/** A resource the program registered, with the inputs it was given. */
export interface RecordedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  /** the state the mock gave back (the inputs plus made-up ids, ARNs and endpoints) */
  state: Record<string, unknown>;
}

/** One `Runtime.Build` the components asked for. */
export interface RecordedBuild {
  functionID: string;
  /** the handler as declared, e.g. `packages/functions/src/handlers/api.handler` */
  handler: string;
  /** the bundle folder and the handler file inside it */
  out: string;
  bundledFile: string;
  /** names the bundled module exports */
  exports: string[];
  copyFiles: { from: string; to: string }[];
  errors: string[];
}

export interface Evaluation {
  /** the temporary folder holding the bundles and archives (remove it when done) */
  work: string;
  resources: RecordedResource[];
  builds: RecordedBuild[];
  outputs: Record<string, unknown>;
  /** errors raised while the program ran (inside Pulumi applies, say) */
  errors: unknown[];
}

type Json = Record<string, unknown>;

const ACCOUNT = "123456789012";
const REGION = "us-east-1";

/** Pulumi marks a secret value with this key (`{ [SECRET_SIG]: ..., value }`). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** The value with Pulumi's secret wrappers removed, so tests can read what a resource got. */
function unsecret(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unsecret);
  if (value === null || typeof value !== "object") return value;
  const object = value as Json;
  if (SECRET_SIG in object) return unsecret(object.value);
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, unsecret(v)]));
}

/** Made-up outputs AWS would return for a resource, so dependent code sees realistic values. */
function cloudOutputs(type: string, name: string, inputs: Json): Json {
  const service = type.split(":")[1]?.split("/")[0] ?? "unknown";
  const physical = typeof inputs.name === "string" ? inputs.name : `${name}-mock`;
  const out: Json = { arn: `arn:aws:${service}:${REGION}:${ACCOUNT}:${physical}`, name: physical };
  switch (type) {
    case "aws:lambda/function:Function":
      out.arn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${physical}`;
      out.invokeArn = `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${out.arn}/invocations`;
      out.qualifiedArn = `${out.arn}:$LATEST`;
      break;
    case "aws:kinesis/stream:Stream":
      out.arn = `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${physical}`;
      break;
    case "aws:dynamodb/table:Table":
      out.arn = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${physical}`;
      break;
    case "aws:sqs/queue:Queue":
      out.arn = `arn:aws:sqs:${REGION}:${ACCOUNT}:${physical}`;
      out.url = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${physical}`;
      break;
    case "aws:apigatewayv2/api:Api":
      out.apiEndpoint = `https://${name.toLowerCase()}.execute-api.${REGION}.amazonaws.com`;
      out.executionArn = `arn:aws:execute-api:${REGION}:${ACCOUNT}:${name}`;
      break;
    case "aws:rds/instance:Instance":
      out.address = `${name.toLowerCase()}.mock.${REGION}.rds.amazonaws.com`;
      out.endpoint = `${out.address}:5432`;
      out.port = 5432;
      out.username = inputs.username ?? "postgres";
      out.dbName = inputs.dbName;
      break;
    case "aws:elasticache/replicationGroup:ReplicationGroup":
      out.primaryEndpointAddress = `${name.toLowerCase()}.mock.cache.amazonaws.com`;
      out.configurationEndpointAddress = out.primaryEndpointAddress;
      out.port = 6379;
      break;
    case "random:index/randomPassword:RandomPassword":
    case "random:index/randomString:RandomString":
      out.result = "mock-Secret_123";
      break;
    case "random:index/randomBytes:RandomBytes":
      out.base64 = Buffer.alloc(Number(inputs.length ?? 32), 7).toString("base64");
      out.hex = Buffer.alloc(Number(inputs.length ?? 32), 7).toString("hex");
      break;
    case "aws:s3/bucket:Bucket":
    case "aws:s3/bucketV2:BucketV2":
      out.bucket = inputs.bucket ?? physical.toLowerCase();
      out.bucketDomainName = `${out.bucket}.s3.amazonaws.com`;
      out.bucketRegionalDomainName = `${out.bucket}.s3.${REGION}.amazonaws.com`;
      out.arn = `arn:aws:s3:::${out.bucket}`;
      break;
    case "aws:ec2/vpc:Vpc":
      out.cidrBlock = inputs.cidrBlock ?? "10.0.0.0/16";
      break;
    case "aws:secretsmanager/secret:Secret":
      out.arn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${physical}`;
      break;
  }
  return out;
}

/** Results of the provider functions (data sources) the components call. */
function callResult(token: string, inputs: Json): Json {
  switch (token) {
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
    case "aws:index/getRegion:getRegion":
      return { name: REGION, region: REGION, id: REGION, endpoint: `ec2.${REGION}.amazonaws.com` };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/ci`, userId: "CI", id: ACCOUNT };
    case "aws:index/getAvailabilityZones:getAvailabilityZones":
      return {
        names: [`${REGION}a`, `${REGION}b`, `${REGION}c`],
        zoneIds: ["use1-az1", "use1-az2", "use1-az3"],
      };
    case "aws:iam/getPolicyDocument:getPolicyDocument":
      return {
        ...inputs,
        json: JSON.stringify({ Version: "2012-10-17", Statement: inputs.statements ?? [] }),
      };
    case "aws:ec2/getAmi:getAmi":
      return { id: "ami-0123456789abcdef0", architecture: "arm64" };
    case "aws:secretsmanager/getSecretVersion:getSecretVersion":
      return { secretString: JSON.stringify({ username: "postgres", password: "mock-Secret_123" }) };
    default:
      return inputs;
  }
}

/** Bundles a handler like SST's Node.js runtime build: ESM, the handler's path kept in the bundle. */
async function buildHandler(work: string, input: Json): Promise<RecordedBuild> {
  const functionID = String(input.functionID);
  const handler = String(input.handler);
  const copyFiles = (input.copyFiles as { from: string; to: string }[] | undefined) ?? [];
  const dot = handler.lastIndexOf(".");
  const fileBase = handler.slice(0, dot);
  const exportName = handler.slice(dot + 1);
  const out = path.join(work, "artifacts", `${functionID}-src`);
  const result: RecordedBuild = {
    functionID,
    handler,
    out,
    bundledFile: path.join(out, `${fileBase}.mjs`),
    exports: [],
    copyFiles,
    errors: [],
  };
  const source = [".ts", ".mts", ".tsx", ".js", ".mjs"]
    .map((ext) => path.join(ROOT, fileBase + ext))
    .find((file) => existsSync(file));
  if (!source) {
    result.errors.push(`Could not find a file for handler "${handler}" of function ${functionID}`);
    return result;
  }
  const properties = (input.properties ?? {}) as {
    esbuild?: { external?: string[] };
    /** SST passes `install: ["a"]` on as `{ a: "*" }` */
    install?: string[] | Record<string, string>;
  };
  const installed = Array.isArray(properties.install)
    ? properties.install
    : Object.keys(properties.install ?? {});
  try {
    const built = await build({
      entryPoints: [source],
      outfile: result.bundledFile,
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      metafile: true,
      logLevel: "silent",
      external: [...(properties.esbuild?.external ?? []), ...installed],
      banner: {
        js: 'import { createRequire as topLevelCreateRequire } from "module"; const require = topLevelCreateRequire(import.meta.url);',
      },
    });
    result.exports = Object.values(built.metafile.outputs).flatMap((o) => o.exports);
  } catch (error) {
    const failure = error as { errors?: { text: string; location?: { file: string } | null }[] };
    result.errors.push(
      ...(failure.errors?.map((e) => `${e.location?.file ?? source}: ${e.text}`) ?? [String(error)]),
    );
    return result;
  }
  if (!result.exports.includes(exportName)) {
    result.errors.push(
      `${path.relative(ROOT, source)} does not export "${exportName}" (handler of ${functionID})`,
    );
  }
  return result;
}

/** The stand-in for SST's CLI RPC server; `inFlight.count` is the number of calls being answered. */
async function startRpcServer(work: string, builds: RecordedBuild[], inFlight: { count: number }) {
  const methods: Record<string, (args: Json) => Promise<unknown>> = {
    "Runtime.Build": async (args) => {
      const built = await buildHandler(work, args);
      builds.push(built);
      return {
        handler: built.handler,
        out: built.out,
        errors: built.errors,
        sourcemaps: [],
      };
    },
    "Provider.Aws.Bootstrap": async () => ({
      asset: "sst-asset-mock",
      assetEcrRegistryId: ACCOUNT,
      assetEcrUrl: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/sst-asset`,
      state: "sst-state-mock",
      appsyncHttp: "",
      appsyncRealtime: "",
    }),
  };
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    inFlight.count++;
    req.on("end", async () => {
      const { method, params } = JSON.parse(body) as { method: string; params: Json[] };
      const fn = methods[method];
      let reply: Json;
      try {
        reply = fn ? { result: await fn(params[0] ?? {}) } : { error: `rpc: can't find method ${method}` };
      } catch (error) {
        reply = { error: String(error) };
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(reply));
      inFlight.count--;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

/**
 * Waits until the program has stopped registering resources: no RPC call (a build, say) in
 * flight and no new resource for a second.
 */
async function settle(count: () => number, busy: () => boolean): Promise<void> {
  let last = -1;
  let quietFor = 0;
  while (quietFor < 10) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = count();
    quietFor = now === last && !busy() ? quietFor + 1 : 0;
    last = now;
  }
}

export interface EvaluateOptions {
  stage: string;
  /** environment of the deploying process (deploy-time settings, secrets as SST_SECRET_<name>) */
  env?: Record<string, string>;
}

/**
 * Runs `sst.config.ts` against Pulumi's mocks and returns what it declared. Call once per
 * process: Pulumi's runtime state is global.
 */
export async function evaluateStacks(options: EvaluateOptions): Promise<Evaluation> {
  await ensurePlatform();
  const work = mkdtempSync(path.join(tmpdir(), "jobledger-sst-"));
  const resources: RecordedResource[] = [];
  const builds: RecordedBuild[] = [];
  const errors: unknown[] = [];
  const onRejection = (error: unknown) => errors.push(error);
  process.on("unhandledRejection", onRejection);

  const inFlight = { count: 0 };
  const server = await startRpcServer(work, builds, inFlight);
  Object.assign(process.env, options.env ?? {}, {
    // SST plans the console from its real build output, which a mocked build never writes
    JOBLEDGER_STACKS_WITHOUT_CONSOLE: "1",
    SST_SERVER: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  });

  // the same @pulumi/pulumi instance the platform's components load
  const pulumi = (await import(
    pathToFileURL(path.join(PLATFORM, "node_modules/@pulumi/pulumi/index.js")).href
  )) as typeof import("../../.sst/platform/node_modules/@pulumi/pulumi/index.js");
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const state = { ...args.inputs, ...cloudOutputs(args.type, args.name, args.inputs) };
        // keep what the program set explicitly
        for (const [key, value] of Object.entries(args.inputs)) if (value !== undefined) state[key] = value;
        resources.push({ type: args.type, name: args.name, inputs: unsecret(args.inputs) as Json, state });
        return { id: `${args.name}-id`, state };
      },
      call(args) {
        return callResult(args.token, args.inputs);
      },
    },
    "jobledger",
    options.stage,
    false,
  );

  const app = { name: "jobledger", stage: options.stage, removal: "remove", providers: {}, protect: false };
  const globals = globalThis as Record<string, unknown>;
  // the platform's modules read these while loading
  Object.assign(globals, {
    $app: app,
    $dev: false,
    $cli: {
      command: "deploy",
      rpc: process.env.SST_SERVER,
      paths: { home: work, root: ROOT, work, platform: PLATFORM },
      home: "aws",
      state: { version: {} },
    },
  });
  const shim = (await import(pathToFileURL(path.join(PLATFORM, "src/shim/run.js")).href)) as Json;
  Object.assign(globals, shim, {
    sst: await import(pathToFileURL(path.join(PLATFORM, "src/components/index.ts")).href),
    aws: await import(pathToFileURL(path.join(PLATFORM, "node_modules/@pulumi/aws/index.js")).href),
  });

  try {
    const config = (await import(pathToFileURL(path.join(ROOT, "sst.config.ts")).href)).default as {
      app(input: { stage: string }): Json | Promise<Json>;
      run(): Promise<Json | undefined>;
    };
    Object.assign(app, await config.app({ stage: options.stage }), { stage: options.stage });
    const declared = (await config.run()) ?? {};
    const outputs = await new Promise<Json>((resolve) =>
      pulumi.output(declared).apply((v) => resolve(v as Json)),
    );
    await settle(
      () => resources.length + builds.length,
      () => inFlight.count > 0,
    );
    return { work, resources, builds, outputs, errors };
  } catch (error) {
    errors.push(error);
    return { work, resources, builds, outputs: {}, errors };
  } finally {
    process.off("unhandledRejection", onRejection);
    server.close();
  }
}

/** The `.sql` files of a folder (used to check the bundled migrations). */
export async function sqlFiles(folder: string): Promise<string[]> {
  return (await readdir(folder)).filter((f) => f.endsWith(".sql")).sort();
}
