/**
 * Keyset paging shared by the read-model queries: lists ordered newest first by
 * `(timestamp column, id column)`, an opaque base64url cursor holding the last row's
 * position (the timestamp with microseconds, as a JS Date keeps only milliseconds), the
 * SQL fragments that select and compare that position, and the page-size check.
 */
import { z } from "zod";
import { isStorableText } from "../../domain/text/storable-text.ts";

/** Thrown for a cursor these queries did not produce. */
export class InvalidCursor extends Error {
  override readonly name = "InvalidCursor";
  constructor(reason: string) {
    super(`invalid cursor: ${reason}; pass the nextCursor of a previous page unchanged`);
  }
}

/** The position of the last row of a page. */
export interface KeysetPosition {
  /** ISO-8601 UTC with up to microseconds */
  at: string;
  id: string;
}

export interface KeysetPage<T> {
  items: T[];
  /** pass as `cursor` for the next page; null on the last page */
  nextCursor: string | null;
}

/** The column alias under which {@link cursorAtSql} selects the position's timestamp. */
export const CURSOR_AT = "cursor_at";

/** Selects `column` as UTC text with microseconds, aliased {@link CURSOR_AT}. */
export function cursorAtSql(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ${CURSOR_AT}`;
}

/**
 * The condition "strictly after the cursor in newest-first order" on `(atColumn, idColumn)`;
 * `param` adds a query parameter and returns its placeholder. Throws {@link InvalidCursor}.
 */
export function keysetAfter(
  cursor: string,
  atColumn: string,
  idColumn: string,
  param: (value: unknown) => string,
): string {
  const after = decodeCursor(cursor);
  return `(${atColumn}, ${idColumn}) < (${param(after.at)}::timestamptz, ${param(after.id)})`;
}

/** Checks a page size: an integer from 1 to `max`. */
export function checkPageSize(limit: number, max: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new RangeError(`limit must be an integer from 1 to ${max}, got ${limit}`);
  }
  return limit;
}

/**
 * A page from rows fetched with `LIMIT limit + 1` (the extra row only tells that more
 * follow); `position` gives a row's cursor position.
 */
export function pageOf<Row, Item>(
  rows: readonly Row[],
  limit: number,
  toItem: (row: Row) => Item,
  position: (row: Row) => KeysetPosition,
): KeysetPage<Item> {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(toItem),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(position(last)) : null,
  };
}

const cursorSchema = z.object({
  c: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?Z$/),
  // an id is compared as a text parameter: it must be storable text (ADR 0010)
  i: z.string().min(1).max(200).refine(isStorableText),
});

/** A calendar date Postgres reads as a timestamptz: year 1 or later, a day the month has. */
function isTimestamp(at: string): boolean {
  const time = Date.parse(at);
  return (
    !Number.isNaN(time) &&
    at.slice(0, 4) !== "0000" &&
    new Date(time).toISOString().slice(0, 10) === at.slice(0, 10)
  );
}

export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify({ c: position.at, i: position.id }), "utf8").toString("base64url");
}

export function decodeCursor(cursor: string): KeysetPosition {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new InvalidCursor("not base64url");
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new InvalidCursor("not a cursor of this list");
  }
  const parsed = cursorSchema.safeParse(value);
  if (!parsed.success || !isTimestamp(parsed.data.c)) {
    throw new InvalidCursor("not a cursor of this list");
  }
  return { at: parsed.data.c, id: parsed.data.i };
}
