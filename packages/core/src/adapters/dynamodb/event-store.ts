/**
 * EventStore on DynamoDB (and dynalite): one item per commit, appended with one conditional
 * PutItem, never a transaction.
 *
 * Item layout (the table is defined in `event-store-table.ts`; ADR 0001):
 * | attribute     | type   | meaning                                                       |
 * |---------------|--------|---------------------------------------------------------------|
 * | `pk`          | S      | stream id, `<tenant>/<kind>/<id>`                             |
 * | `sk`          | N      | stream version of the commit's first event                    |
 * | `lastVersion` | N      | stream version of the commit's last event                     |
 * | `eventCount`  | N      | number of events (`lastVersion - sk + 1`)                     |
 * | `tenant`      | S      | the tenant of the stream and of every event in it             |
 * | `commitId`    | S      | UUID v7, time-ordered: the commit order across streams        |
 * | `committedAt` | S      | ISO-8601 instant of the append (from the injected clock)      |
 * | `events`      | L of B | `encodeEvent(envelope)` bytes, one per event, in version order |
 * | `pendingPk`   | S      | "pending", only with `changeFeed: "relay"` until published    |
 * | `pendingSk`   | S      | the commitId, same condition                                  |
 * GSIs: `byTenant` (`tenant`, `commitId`) for `readTenant`; `pending` (sparse) for the relay.
 * An index says only *which* commits to read: `readTenant` takes the keys from `byTenant` and
 * reads each commit from the base table (BatchGetItem, ConsistentRead), dropping an entry whose
 * base item is missing or is another commit (`commitId` differs). GSIs are updated apart from
 * the base item (asynchronously on DynamoDB; dynalite writes them *before* the base item, so a
 * process killed in between leaves an index entry for a commit that was never written or
 * acknowledged). Every reader therefore sees only what the base table holds (docs/reliability.md).
 * A UUID v7 starts with its 48-bit millisecond time in hex, so `readTenant`'s `fromTime` is a
 * key condition `commitId >= <the smallest UUID of that millisecond>` (`commitIdFloor`).
 *
 * Append with expected version V: for V > 0 read the last commit (consistent Query,
 * descending, Limit 1); its `lastVersion` must equal V, else `VersionConflict`. Then PutItem
 * `sk = V + 1` with `attribute_not_exists(pk)`: two writers that read the same tail race on
 * the same key and exactly one wins; the loser gets `VersionConflict`. Since commits are
 * contiguous (`sk` of one = `lastVersion + 1` of the previous), a stale, future or
 * mid-commit V always conflicts.
 *
 * Each event's `hash` chains to the previous event's (`event-hash.ts`); it is computed over
 * the event exactly as a reader decodes it, so a verifier can recompute it from read events.
 */

import { ConditionalCheckFailedException, ResourceNotFoundException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
} from "@aws-sdk/lib-dynamodb";
import type { DecodedEvent, EventEnvelope, NewEvent } from "@jobledger/events";
import { decodeEvent, encodeEvent, InvalidStreamIdError, parseStreamId } from "@jobledger/events";
import { v7 as uuidv7 } from "uuid";
import { createLogger, type Logger } from "../../logging.ts";
import { recordAppended } from "../../observability/instruments.ts";
import { traceAppend } from "../../observability/tracing.ts";
import { type Clock, systemClock } from "../../ports/clock.ts";
import {
  type AllPage,
  type AppendResult,
  type EventStore,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StreamPage,
  VersionConflict,
} from "../../ports/event-store.ts";
import { eventHash } from "./event-hash.ts";
import { BY_TENANT_INDEX, type CommitItem, isCommitItem, PENDING } from "./event-store-table.ts";
import { itemSizeBytes } from "./item-size.ts";

/** Default ceiling for one commit item: far below DynamoDB's 400 KB item limit. */
export const DEFAULT_MAX_COMMIT_BYTES = 300 * 1024;

/** An append whose commit item would be larger than the configured limit. */
export class CommitTooLarge extends Error {
  override readonly name = "CommitTooLarge";
  constructor(
    readonly streamId: string,
    readonly sizeBytes: number,
    readonly limitBytes: number,
  ) {
    super(
      `commit to ${streamId} is ${sizeBytes} bytes, above the ${limitBytes}-byte limit; ` +
        "store large payloads in object storage and put a reference in the event",
    );
  }
}

/** An append that can never succeed as given (no events, mixed tenants, bad versions). */
export class InvalidAppend extends Error {
  override readonly name = "InvalidAppend";
}

/** A `readTenant` cursor that was not produced by `readTenant` for this tenant. */
export class InvalidCursor extends Error {
  override readonly name = "InvalidCursor";
}

export interface DynamoEventStoreOptions {
  doc: DynamoDBDocumentClient;
  tableName: string;
  /**
   * "native" (AWS: DynamoDB streams to Kinesis) or "relay" (local: commits are marked
   * pending for the relay). Default "native".
   */
  changeFeed?: "native" | "relay";
  /** source of `committedAt`; default the system clock */
  clock?: Clock;
  /** largest commit item accepted, in bytes; default 300 KB */
  maxCommitBytes?: number;
  /**
   * Called after each successful append with the item written (the local relay). It must not
   * throw; if it does, the append still succeeds (the commit is stored).
   */
  onCommitted?: (item: CommitItem) => void;
  /** where index entries without a base commit are reported; default an "event-store" logger */
  logger?: Logger;
}

const DEFAULT_STREAM_PAGE = 1000;
const DEFAULT_TENANT_PAGE = 100;

function assertPositiveInt(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new InvalidAppend(`${name} must be an integer >= ${min}, got ${value}`);
  }
}

/** Decodes a commit's events in order. */
export function decodeCommit(item: CommitItem): DecodedEvent[] {
  return item.events.map((bytes) => decodeEvent(bytes));
}

export class DynamoEventStore implements EventStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly relay: boolean;
  private readonly clock: Clock;
  private readonly maxCommitBytes: number;
  private readonly onCommitted: ((item: CommitItem) => void) | undefined;
  private readonly logger: Logger;
  /** index entries already reported as unconfirmed (`pk#sk#commitId`), so each is logged once */
  private readonly reported = new Set<string>();

  constructor(options: DynamoEventStoreOptions) {
    this.doc = options.doc;
    this.tableName = options.tableName;
    this.relay = options.changeFeed === "relay";
    this.clock = options.clock ?? systemClock;
    this.maxCommitBytes = options.maxCommitBytes ?? DEFAULT_MAX_COMMIT_BYTES;
    this.onCommitted = options.onCommitted;
    this.logger = options.logger ?? createLogger("event-store");
  }

  async append(streamId: string, expectedVersion: number, events: NewEvent[]): Promise<AppendResult> {
    const result = await traceAppend(streamId, events, () =>
      this.appendCommit(streamId, expectedVersion, events),
    );
    recordAppended(result.events);
    return result;
  }

  private async appendCommit(
    streamId: string,
    expectedVersion: number,
    events: NewEvent[],
  ): Promise<AppendResult> {
    const tenant = validateAppend(streamId, expectedVersion, events);

    let prevHash = "";
    if (expectedVersion > 0) {
      const last = await this.lastCommit(streamId);
      const actual = last?.lastVersion ?? 0;
      if (!last || actual !== expectedVersion) throw new VersionConflict(streamId, expectedVersion, actual);
      const lastEvent = last.events.at(-1);
      if (!lastEvent) throw new Error(`commit ${streamId}@${last.sk} holds no events`);
      prevHash = decodeEvent(lastEvent).hash;
    }

    const sealed: DecodedEvent[] = [];
    const encoded: Uint8Array[] = [];
    events.forEach((event, i) => {
      const { bytes, decoded } = sealEvent(event, streamId, expectedVersion + i + 1, prevHash);
      sealed.push(decoded);
      encoded.push(bytes);
      prevHash = decoded.hash;
    });

    const commitId = uuidv7();
    const item: CommitItem = {
      pk: streamId,
      sk: expectedVersion + 1,
      lastVersion: expectedVersion + events.length,
      tenant,
      commitId,
      committedAt: this.clock.now().toISOString(),
      eventCount: events.length,
      events: encoded,
      ...(this.relay ? { pendingPk: PENDING, pendingSk: commitId } : {}),
    };
    const size = itemSizeBytes(item as unknown as Record<string, unknown>);
    if (size > this.maxCommitBytes) throw new CommitTooLarge(streamId, size, this.maxCommitBytes);

    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new VersionConflict(streamId, expectedVersion, undefined);
      }
      throw error;
    }

    if (this.onCommitted) {
      try {
        this.onCommitted(item);
      } catch {
        // the commit is stored; a relay that failed to take it republishes it on recovery
      }
    }
    return { streamId, version: item.lastVersion, events: sealed };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StreamPage> {
    const fromVersion = options.fromVersion ?? 1;
    const toVersion = options.toVersion ?? Number.MAX_SAFE_INTEGER;
    const limit = options.limit ?? DEFAULT_STREAM_PAGE;
    if (!Number.isSafeInteger(fromVersion) || fromVersion < 1) {
      throw new RangeError(`fromVersion must be an integer >= 1, got ${fromVersion}`);
    }
    if (!Number.isSafeInteger(toVersion))
      throw new RangeError(`toVersion must be an integer, got ${toVersion}`);
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new RangeError(`limit must be an integer >= 1, got ${limit}`);
    if (toVersion < fromVersion) return { events: [], next: null };

    // the commit holding fromVersion starts at or before it
    const startSk = fromVersion === 1 ? 1 : await this.commitStartAtOrBefore(streamId, fromVersion);
    if (startSk === null) return { events: [], next: null };

    const events: DecodedEvent[] = [];
    let more = false;
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
          ExpressionAttributeValues: { ":pk": streamId, ":from": startSk, ":to": toVersion },
          ProjectionExpression: "sk, lastVersion, events",
          ConsistentRead: true,
          // enough commits for the page, +1 to learn whether more follow
          Limit: Math.min(limit + 1, 100),
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
      for (const raw of page.Items ?? []) {
        for (const bytes of (raw as Pick<CommitItem, "events">).events) {
          const event = decodeEvent(bytes);
          if (event.version < fromVersion) continue;
          if (event.version > toVersion) break;
          if (events.length === limit) {
            more = true;
            break;
          }
          events.push(event);
        }
        if (more) break;
      }
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (!more && exclusiveStartKey);

    const last = events.at(-1);
    return { events, next: more && last ? last.version + 1 : null };
  }

  async *readStreamAll(
    streamId: string,
    options: Omit<ReadStreamOptions, "limit"> = {},
  ): AsyncIterable<DecodedEvent> {
    let fromVersion: number | null = options.fromVersion ?? 1;
    while (fromVersion !== null) {
      const page: StreamPage = await this.readStream(streamId, { ...options, fromVersion });
      yield* page.events;
      fromVersion = page.next;
    }
  }

  async readTenant(tenant: string, options: ReadAllOptions = {}): Promise<AllPage> {
    const limit = options.limit ?? DEFAULT_TENANT_PAGE;
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new RangeError(`limit must be an integer >= 1, got ${limit}`);
    const from = options.fromTime === undefined ? null : commitIdFloor(options.fromTime);
    // the index gives the order and the keys; the commits themselves come from the base table
    const page = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: BY_TENANT_INDEX,
        KeyConditionExpression: from === null ? "tenant = :tenant" : "tenant = :tenant AND commitId >= :from",
        ExpressionAttributeValues:
          from === null ? { ":tenant": tenant } : { ":tenant": tenant, ":from": from },
        ProjectionExpression: "pk, sk, commitId",
        Limit: limit,
        ExclusiveStartKey: options.cursor ? decodeTenantCursor(options.cursor, tenant) : undefined,
      }),
    );
    const entries = (page.Items ?? []).filter(
      (raw): raw is IndexEntry =>
        typeof raw.pk === "string" && typeof raw.sk === "number" && typeof raw.commitId === "string",
    );
    const base = await this.commitsByKey(entries);
    const events: DecodedEvent[] = [];
    for (const entry of entries) {
      const item = base.get(`${entry.pk}#${entry.sk}`);
      if (!item || item.commitId !== entry.commitId) {
        this.reportUnconfirmed(entry, item?.commitId ?? null);
        continue;
      }
      // the index is keyed by tenant; the check guards against a corrupt or hand-made item
      if (item.tenant !== tenant) continue;
      events.push(...decodeCommit(item).filter((e) => e.tenant === tenant));
    }
    return { events, cursor: page.LastEvaluatedKey ? encodeTenantCursor(page.LastEvaluatedKey) : null };
  }

  /**
   * The base table's commits at these keys (consistent reads, 100 keys per BatchGetItem, with
   * the unprocessed keys asked again), by `pk#sk`; keys without an item are absent.
   */
  private async commitsByKey(keys: readonly { pk: string; sk: number }[]): Promise<Map<string, CommitItem>> {
    const found = new Map<string, CommitItem>();
    const unique = [...new Map(keys.map((k) => [`${k.pk}#${k.sk}`, { pk: k.pk, sk: k.sk }])).values()];
    for (let i = 0; i < unique.length; i += 100) {
      let ask: Record<string, unknown>[] = unique.slice(i, i + 100);
      for (let round = 0; ask.length > 0; round++) {
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** round)));
        const result = await this.doc.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: ask, ConsistentRead: true } },
          }),
        );
        for (const raw of result.Responses?.[this.tableName] ?? []) {
          if (isCommitItem(raw)) found.set(`${raw.pk}#${raw.sk}`, raw);
        }
        ask = (result.UnprocessedKeys?.[this.tableName]?.Keys as Record<string, unknown>[] | undefined) ?? [];
      }
    }
    return found;
  }

  /** Logs (once per entry and process) an index entry the base table does not confirm. */
  private reportUnconfirmed(entry: IndexEntry, baseCommitId: string | null): void {
    const key = `${entry.pk}#${entry.sk}#${entry.commitId}`;
    if (this.reported.has(key)) return;
    if (this.reported.size >= 10_000) this.reported.clear();
    this.reported.add(key);
    this.logger.warn(
      { streamId: entry.pk, sk: entry.sk, commitId: entry.commitId, baseCommitId },
      baseCommitId === null
        ? "index entry without a commit in the base table (a write torn by a crash): ignored"
        : "index entry for another commit than the base table holds (a write torn by a crash): ignored",
    );
  }

  /**
   * Every tenant with a commit in the base table (a full Scan of the keys and tenants: for
   * recovery and tools, not for a request path). None when the table does not exist yet.
   */
  async tenants(): Promise<string[]> {
    const found = new Set<string>();
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      let page: { Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> };
      try {
        page = await this.doc.send(
          new ScanCommand({
            TableName: this.tableName,
            ProjectionExpression: "tenant",
            ConsistentRead: true,
            ExclusiveStartKey: exclusiveStartKey,
          }),
        );
      } catch (error) {
        // a first start opens the read model before it creates the tables: nothing to rebuild
        if (error instanceof ResourceNotFoundException) return [];
        throw error;
      }
      for (const raw of page.Items ?? []) if (typeof raw.tenant === "string") found.add(raw.tenant);
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return [...found].sort();
  }

  /** The newest commit of a stream (consistent read), or null for an empty stream. */
  private async lastCommit(
    streamId: string,
  ): Promise<Pick<CommitItem, "sk" | "lastVersion" | "events"> | null> {
    const result = await this.query({
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": streamId },
      ProjectionExpression: "sk, lastVersion, events",
      ScanIndexForward: false,
      Limit: 1,
    });
    return (result[0] as Pick<CommitItem, "sk" | "lastVersion" | "events"> | undefined) ?? null;
  }

  /** `sk` of the commit that starts at or before `version`, or null if there is none. */
  private async commitStartAtOrBefore(streamId: string, version: number): Promise<number | null> {
    const result = await this.query({
      KeyConditionExpression: "pk = :pk AND sk <= :v",
      ExpressionAttributeValues: { ":pk": streamId, ":v": version },
      ProjectionExpression: "sk",
      ScanIndexForward: false,
      Limit: 1,
    });
    const sk = result[0]?.sk;
    return typeof sk === "number" ? sk : null;
  }

  private async query(
    input: Omit<QueryCommandInput, "TableName" | "ConsistentRead">,
  ): Promise<Record<string, unknown>[]> {
    const page = await this.doc.send(
      new QueryCommand({ ...input, TableName: this.tableName, ConsistentRead: true }),
    );
    return page.Items ?? [];
  }
}

/** What a readTenant page takes from the `byTenant` index: the commit's key and id. */
interface IndexEntry {
  pk: string;
  sk: number;
  commitId: string;
}

/** Checks what can be checked before touching the table; returns the commit's tenant. */
function validateAppend(streamId: string, expectedVersion: number, events: NewEvent[]): string {
  let streamTenant: string;
  try {
    streamTenant = parseStreamId(streamId).tenant;
  } catch (error) {
    if (error instanceof InvalidStreamIdError) throw new InvalidAppend(error.message, { cause: error });
    throw error;
  }
  assertPositiveInt("expectedVersion", expectedVersion, 0);
  const first = events[0];
  if (!first) throw new InvalidAppend(`append to ${streamId} holds no events`);
  const tenant = first.tenant;
  if (!tenant) throw new InvalidAppend(`append to ${streamId}: event ${first.eventId} has no tenant`);
  for (const event of events) {
    if (event.tenant !== tenant) {
      throw new InvalidAppend(
        `append to ${streamId} mixes tenants "${tenant}" and "${event.tenant}"; a commit belongs to one tenant`,
      );
    }
  }
  if (streamTenant !== tenant) {
    throw new InvalidAppend(
      `stream ${streamId} does not belong to tenant "${tenant}" (expected "${tenant}/…")`,
    );
  }
  return tenant;
}

/**
 * Turns a new event into its stored form: assigns stream, version and prevHash, computes the
 * hash over the event as a reader will decode it (so hashing sees exactly what verifiers
 * see, whatever the encoding normalises), and encodes it.
 */
function sealEvent(
  event: NewEvent,
  streamId: string,
  version: number,
  prevHash: string,
): { bytes: Uint8Array; decoded: DecodedEvent } {
  const draft = {
    eventId: event.eventId,
    type: event.type,
    data: event.data,
    occurredAt: event.occurredAt,
    correlationId: event.correlationId,
    causationId: event.causationId,
    actor: event.actor,
    tenant: event.tenant,
    streamId,
    version,
    prevHash,
    hash: "",
  } as EventEnvelope;
  const asRead = decodeEvent(encodeEvent(draft));
  const hash = eventHash(asRead);
  return { bytes: encodeEvent({ ...draft, hash } as EventEnvelope), decoded: { ...asRead, hash } };
}

/**
 * The smallest UUID v7 of the instant's millisecond: every commit id made at or after it sorts
 * at or after this text (lower-case hex, fixed width), every earlier one before it.
 */
export function commitIdFloor(at: Date): string {
  const ms = at.getTime();
  if (!Number.isSafeInteger(ms) || ms < 0 || ms >= 2 ** 48) {
    throw new RangeError(`fromTime must be an instant between 1970 and 10889, got ${String(at)}`);
  }
  const hex = ms.toString(16).padStart(12, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

function encodeTenantCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), "utf8").toString("base64url");
}

function decodeTenantCursor(cursor: string, tenant: string): Record<string, unknown> {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new InvalidCursor("the cursor is not one readTenant returned");
  }
  const k = key as Record<string, unknown> | null;
  if (
    !k ||
    typeof k !== "object" ||
    typeof k.commitId !== "string" ||
    typeof k.pk !== "string" ||
    typeof k.sk !== "number" ||
    typeof k.tenant !== "string"
  ) {
    throw new InvalidCursor("the cursor is not one readTenant returned");
  }
  if (k.tenant !== tenant) throw new InvalidCursor("the cursor belongs to another tenant");
  return { tenant: k.tenant, commitId: k.commitId, pk: k.pk, sk: k.sk };
}
