/**
 * The embedded AWS stand-ins (dynalite for DynamoDB, kinesalite for Kinesis), started
 * in-process on a random loopback port, and the SDK client factories that talk either to
 * them (when an endpoint is given) or to AWS (when it is not).
 *
 * Both stand-ins keep their data in memory unless a `path` (a LevelDB folder) is given.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import dynalite from "dynalite";
import kinesalite from "kinesalite";

export interface StandIn {
  /** e.g. `http://127.0.0.1:41234` */
  endpoint: string;
  close(): Promise<void>;
}

export interface StandInOptions {
  /** folder to persist into; in memory when unset */
  path?: string;
  /** loopback port; 0 (default) picks a free one */
  port?: number;
}

/** Credentials the stand-ins accept (they check none); never used against AWS. */
const localCredentials = { accessKeyId: "local", secretAccessKey: "local" };

async function listen(server: Server, port: number): Promise<StandIn> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // keep-alive connections of SDK clients would otherwise hold the server open
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

/** Starts dynalite in this process (tables are ACTIVE at once). */
export function startDynalite(options: StandInOptions = {}): Promise<StandIn> {
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  });
  return listen(server, options.port ?? 0);
}

/** Starts kinesalite in this process (streams are ACTIVE at once). */
export function startKinesalite(options: StandInOptions = {}): Promise<StandIn> {
  const server = kinesalite({
    createStreamMs: 0,
    deleteStreamMs: 0,
    updateStreamMs: 0,
    ...(options.path ? { path: options.path } : {}),
  });
  return listen(server, options.port ?? 0);
}

export interface ClientOptions {
  /** stand-in endpoint; unset on AWS */
  endpoint?: string | undefined;
  region: string;
}

export interface DynamoClients {
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  destroy(): void;
}

/** A DynamoDB client and a document client over it (`removeUndefinedValues` on). */
export function createDynamoClients(options: ClientOptions): DynamoClients {
  const client = new DynamoDBClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint, credentials: localCredentials } : {}),
  });
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return { client, doc, destroy: () => client.destroy() };
}

/**
 * A Kinesis client over HTTP/1.1 (the SDK's HTTP/2 default fails against kinesalite, and
 * HTTP/1.1 is what AWS's Kinesis endpoint serves for these APIs anyway).
 */
export function createKinesisClient(options: ClientOptions): KinesisClient {
  return new KinesisClient({
    region: options.region,
    requestHandler: new NodeHttpHandler(),
    ...(options.endpoint ? { endpoint: options.endpoint, credentials: localCredentials } : {}),
  });
}
