/**
 * The change-feed record: what Kinesis Data Streams for DynamoDB puts on the stream for an
 * item change, produced here from a commit item (for the local relay), and decoded back to
 * events for consumers (the same code on AWS and locally).
 *
 * Record `data` is JSON:
 * `{ awsRegion, eventID, eventName, userIdentity: null, recordFormat: "application/json",
 *    tableName, eventSource: "aws:dynamodb",
 *    dynamodb: { ApproximateCreationDateTime (ms), Keys, NewImage, SizeBytes } }`
 * with `Keys`/`NewImage` in DynamoDB attribute-value JSON (binary as base64 `{"B": …}`).
 * Decoding validates each record with AWS Lambda Powertools' `KinesisDynamoDBStreamSchema`
 * (the `KinesisEnvelope` around `DynamoDBStreamToKinesisRecord`, keeping the Kinesis
 * sequence number and partition key), which also unmarshalls the images.
 */

import { KinesisDynamoDBStreamSchema } from "@aws-lambda-powertools/parser/schemas/kinesis";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { DecodedEvent } from "@jobledger/events";
import { decodeEvent } from "@jobledger/events";
import type { KinesisStreamEvent, KinesisStreamRecord } from "aws-lambda";
import type { CommitItem } from "../adapters/dynamodb/event-store-table.ts";
import { itemSizeBytes } from "../adapters/dynamodb/item-size.ts";

/** DynamoDB attribute-value JSON, as in stream records (binary values base64-encoded). */
export type AttributeValueJson =
  | { S: string }
  | { N: string }
  | { B: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] }
  | { L: AttributeValueJson[] }
  | { M: Record<string, AttributeValueJson> };

export type ChangeEventName = "INSERT" | "MODIFY" | "REMOVE";

/** One change record of Kinesis Data Streams for DynamoDB (the JSON in a record's data). */
export interface DynamoDBChangeRecord {
  awsRegion: string;
  eventID: string;
  eventName: ChangeEventName;
  userIdentity: null;
  recordFormat: "application/json";
  tableName: string;
  eventSource: "aws:dynamodb";
  dynamodb: {
    /** epoch milliseconds */
    ApproximateCreationDateTime: number;
    Keys: Record<string, AttributeValueJson>;
    NewImage?: Record<string, AttributeValueJson>;
    OldImage?: Record<string, AttributeValueJson>;
    SizeBytes: number;
  };
}

export interface ChangeRecordOptions {
  tableName: string;
  region: string;
  eventName?: ChangeEventName;
  /** default: the commit id, so a republished commit carries the same id */
  eventId?: string;
}

/** Attributes that exist only for the local relay; AWS's native feed never sees them. */
const RELAY_ONLY = new Set(["pendingPk", "pendingSk"]);

function toJsonValue(value: AttributeValue): AttributeValueJson {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString("base64") };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: true };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString("base64")) };
  if (value.L !== undefined) return { L: value.L.map(toJsonValue) };
  if (value.M !== undefined) return { M: toJsonImage(value.M) };
  throw new TypeError(`unsupported attribute value: ${Object.keys(value).join(",")}`);
}

function toJsonImage(image: Record<string, AttributeValue>): Record<string, AttributeValueJson> {
  return Object.fromEntries(Object.entries(image).map(([k, v]) => [k, toJsonValue(v)]));
}

/** The change record DynamoDB would stream to Kinesis for this commit item. */
export function commitToChangeRecord(item: CommitItem, options: ChangeRecordOptions): DynamoDBChangeRecord {
  const stored = Object.fromEntries(Object.entries(item).filter(([k]) => !RELAY_ONLY.has(k)));
  const eventName = options.eventName ?? "INSERT";
  const keys = toJsonImage(marshall({ pk: item.pk, sk: item.sk }));
  const image = toJsonImage(marshall(stored, { removeUndefinedValues: true }));
  const createdAt = Date.parse(item.committedAt);
  return {
    awsRegion: options.region,
    eventID: options.eventId ?? item.commitId,
    eventName,
    userIdentity: null,
    recordFormat: "application/json",
    tableName: options.tableName,
    eventSource: "aws:dynamodb",
    dynamodb: {
      ApproximateCreationDateTime: Number.isNaN(createdAt) ? Date.now() : createdAt,
      Keys: keys,
      ...(eventName === "REMOVE" ? { OldImage: image } : { NewImage: image }),
      SizeBytes: itemSizeBytes(stored),
    },
  };
}

/** The Kinesis record data for a change record (UTF-8 JSON). */
export function changeRecordData(record: DynamoDBChangeRecord): Uint8Array {
  return Buffer.from(JSON.stringify(record), "utf8");
}

/** What a commit is, as told by a change record (null for items that are not commits). */
export interface ChangeRecordCommit {
  streamId: string;
  /** version of the commit's first event (`sk`) */
  firstVersion: number;
  lastVersion: number;
  tenant: string;
  commitId: string;
  committedAt: string;
}

export interface DecodedChangeRecord {
  sequenceNumber: string;
  partitionKey: string;
  eventName: ChangeEventName;
  commit: ChangeRecordCommit | null;
  /** the commit's events in version order; empty for non-INSERT records and non-commit items */
  events: DecodedEvent[];
}

/** A change record that is not valid JSON of the documented shape, or holds undecodable events. */
export class InvalidChangeRecord extends Error {
  override readonly name = "InvalidChangeRecord";
}

const RecordSchema = KinesisDynamoDBStreamSchema.shape.Records.element;

/** Validates and decodes one Kinesis record of the change feed. */
export function decodeChangeRecord(record: KinesisStreamRecord): DecodedChangeRecord {
  const parsed = RecordSchema.safeParse(record);
  const sequenceNumber = record.kinesis?.sequenceNumber ?? "?";
  if (!parsed.success) {
    throw new InvalidChangeRecord(
      `record ${sequenceNumber} is not a DynamoDB change record: ${parsed.error.message}`,
      { cause: parsed.error },
    );
  }
  const { kinesis } = parsed.data;
  const change = kinesis.data;
  const base = {
    sequenceNumber: kinesis.sequenceNumber,
    partitionKey: kinesis.partitionKey,
    eventName: change.eventName,
  };
  const image = change.dynamodb.NewImage as Record<string, unknown> | undefined;
  if (change.eventName !== "INSERT" || !image || !isCommitImage(image))
    return { ...base, commit: null, events: [] };

  let events: DecodedEvent[];
  try {
    events = image.events.map((b64) => decodeEvent(Buffer.from(b64, "base64")));
  } catch (error) {
    throw new InvalidChangeRecord(
      `record ${kinesis.sequenceNumber} (${image.pk}@${image.sk}) holds an event that cannot be decoded: ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  }
  return {
    ...base,
    commit: {
      streamId: image.pk,
      firstVersion: image.sk,
      lastVersion: image.lastVersion,
      tenant: image.tenant,
      commitId: image.commitId,
      committedAt: image.committedAt,
    },
    events,
  };
}

/** Where a commit's record stands in its stream, as far as it can be told from a record. */
export interface ChangeRecordPlace {
  streamId: string;
  firstVersion: number;
  lastVersion: number;
}

/**
 * The stream and versions of a record read leniently from its keys and image, for a record
 * that does not decode (an event this code cannot read): the stream is the partition key
 * and the versions are 0 when even that much cannot be read.
 */
export function changeRecordPlace(record: KinesisStreamRecord): ChangeRecordPlace {
  const fallback = { streamId: record.kinesis?.partitionKey ?? "?", firstVersion: 0, lastVersion: 0 };
  try {
    const data = JSON.parse(Buffer.from(record.kinesis.data, "base64").toString("utf8")) as {
      dynamodb?: { NewImage?: Record<string, { S?: string; N?: string }> };
    };
    const image = data.dynamodb?.NewImage;
    const first = Number(image?.sk?.N);
    const last = Number(image?.lastVersion?.N);
    if (typeof image?.pk?.S !== "string" || !Number.isSafeInteger(first) || !Number.isSafeInteger(last))
      return fallback;
    return { streamId: image.pk.S, firstVersion: first, lastVersion: last };
  } catch {
    return fallback;
  }
}

/** Validates and decodes every record of a Lambda Kinesis event (throws on the first bad one). */
export function decodeChangeRecords(event: KinesisStreamEvent): DecodedChangeRecord[] {
  return event.Records.map(decodeChangeRecord);
}

/** A commit item as Powertools unmarshalls it: binary values stay base64 strings. */
interface CommitImage {
  pk: string;
  sk: number;
  lastVersion: number;
  tenant: string;
  commitId: string;
  committedAt: string;
  events: string[];
}

function isCommitImage(image: Record<string, unknown>): image is CommitImage & Record<string, unknown> {
  return (
    typeof image.pk === "string" &&
    typeof image.sk === "number" &&
    typeof image.lastVersion === "number" &&
    typeof image.tenant === "string" &&
    typeof image.commitId === "string" &&
    typeof image.committedAt === "string" &&
    Array.isArray(image.events) &&
    image.events.every((e) => typeof e === "string")
  );
}
