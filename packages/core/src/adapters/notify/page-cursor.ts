/**
 * Cursors of the notification lists (ElectroDB's: base64url JSON of DynamoDB's
 * LastEvaluatedKey). ElectroDB passes any cursor it can parse to DynamoDB as the start key,
 * where one that is not ours (another shape, another tenant's partition, text that cannot be
 * stored) is an error the caller cannot tell from an outage. So each cursor is checked first:
 * exactly the table's `pk` and `sk`, `pk` the partition this query reads (so the tenant's own),
 * `sk` under the prefix it reads, both storable text (ADR 0010).
 */
import { isStorableText } from "../../domain/text/storable-text.ts";

/** A cursor this list did not produce; the API answers 400. */
export class InvalidPageCursor extends Error {
  override readonly name = "InvalidPageCursor";
  constructor(reason: string) {
    super(`invalid cursor: ${reason}; pass the nextCursor of a previous page unchanged`);
  }
}

/** The key values of the query a cursor continues (ElectroDB's `params()`). */
interface QueryParams {
  ExpressionAttributeValues?: Record<string, unknown>;
}

/** Throws {@link InvalidPageCursor} unless `cursor` (null: the first page) continues `query`. */
export function checkPageCursor(query: QueryParams, cursor: string | null): void {
  if (cursor === null) return;
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(cursor)) throw new InvalidPageCursor("not base64url");
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new InvalidPageCursor("not a cursor of this list");
  }
  const values = query.ExpressionAttributeValues ?? {};
  const pk = values[":pk"];
  const skPrefix = values[":sk1"];
  const ok =
    key !== null &&
    typeof key === "object" &&
    !Array.isArray(key) &&
    Object.keys(key).sort().join(",") === "pk,sk" &&
    typeof (key as { pk: unknown }).pk === "string" &&
    typeof (key as { sk: unknown }).sk === "string" &&
    (key as { pk: string }).pk === pk &&
    (typeof skPrefix !== "string" || (key as { sk: string }).sk.startsWith(skPrefix)) &&
    isStorableText((key as { sk: string }).sk);
  if (!ok) throw new InvalidPageCursor("not a cursor of this list");
}
