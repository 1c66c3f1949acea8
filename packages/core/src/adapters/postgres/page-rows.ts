/**
 * Whole read-model rows in memory: a table's columns and their SQL types (`TableSpec`), a
 * load of the rows of many keys in one SELECT, and a write of many rows in one
 * `INSERT … SELECT FROM jsonb_to_recordset(…) ON CONFLICT DO UPDATE`. The projections' pure
 * folds (`(row | null, event) → row`) work on these rows; the live projector writes one row at a
 * time with them, the rebuild's page projector a page's rows per table at once.
 *
 * Rows are keyed by column name and hold what `pg` reads: Date for timestamptz, parsed JSON
 * for jsonb, string[] for text[]. A column not named in the spec (added by a later migration)
 * is left as it is by a write (its default on insert).
 *
 * Text is written as storable text (ADR 0010): this is the one place rows are serialised, so
 * a NUL or a lone surrogate that reached an event before the rule (or from anywhere else)
 * becomes U+FFFD here instead of failing the statement (jsonb refuses `\u0000` and lone
 * `\udXXX` escapes) and stalling the projector. Key values compared in reads obey the same rule.
 */
import { createHash } from "node:crypto";
import type pg from "pg";
import { toStorableText, toStorableValue } from "../../domain/text/storable-text.ts";

export type ColumnType =
  | "text"
  | "integer"
  | "double precision"
  | "boolean"
  | "timestamptz"
  | "jsonb"
  | "text[]";

export interface TableSpec<Row> {
  table: string;
  /** the primary key, in order */
  key: readonly (keyof Row & string)[];
  /** every column the fold owns, with its type; NOT NULL jsonb columns say so (a JSON null is stored as jsonb 'null') */
  columns: { readonly [C in keyof Row & string]: ColumnType | "jsonb not null" };
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * A named (prepared) query: the texts here depend only on the table, so each connection plans
 * them once and the live projector's one-row reads and writes skip planning afterwards.
 */
const names = new Map<string, string>(); // text → statement name (a handful of texts)
const prepared = (text: string, values: unknown[]): pg.QueryConfig => {
  let name = names.get(text);
  if (name === undefined) {
    name = `page_rows_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`;
    names.set(text, name);
  }
  return { name, text, values };
};

/**
 * The rows whose first key columns equal one of `keys` (each a tuple of text values, as many
 * as the columns it matches: a prefix of the key, so all attempts of a run match [tenant, run]).
 * `forUpdate` locks them (the live projector: the scheduler writes some of these rows too).
 */
export async function selectRows<Row>(
  client: pg.ClientBase,
  spec: TableSpec<Row>,
  keys: readonly (readonly string[])[],
  options: { forUpdate?: boolean } = {},
): Promise<Row[]> {
  if (keys.length === 0) return [];
  const width = keys[0]!.length;
  const keyColumns = spec.key.slice(0, width);
  const columns = Object.keys(spec.columns)
    .map((c) => `t.${quote(c)}`)
    .join(", ");
  // keys arrive as text; compare them as the column's type (run_attempts.attempt is an integer)
  const typeOf = (c: keyof Row & string) => spec.columns[c].replace(" not null", "");
  const lock = options.forUpdate ? "FOR UPDATE OF t" : "";
  if (keys.length === 1) {
    // the live projector's case: a plain WHERE on the key is cheaper than joining an unnest
    const where = keyColumns.map((c, i) => `t.${quote(c)} = $${i + 1}::${typeOf(c)}`).join(" AND ");
    const { rows } = await client.query<Row & pg.QueryResultRow>(
      prepared(
        `SELECT ${columns} FROM ${quote(spec.table)} t WHERE ${where} ${lock}`,
        keys[0]!.map(toStorableText),
      ),
    );
    return rows;
  }
  const params = keyColumns.map((_, i) => keys.map((k) => toStorableText(k[i]!)));
  const unnest = keyColumns.map((_, i) => `$${i + 1}::text[]`).join(", ");
  const on = keyColumns.map((c, i) => `t.${quote(c)} = k.c${i}::${typeOf(c)}`).join(" AND ");
  const { rows } = await client.query<Row & pg.QueryResultRow>(
    `SELECT ${columns} FROM ${quote(spec.table)} t
       JOIN unnest(${unnest}) AS k(${keyColumns.map((_, i) => `c${i}`).join(", ")}) ON ${on}
     ${lock}`,
    params,
  );
  return rows;
}

/** Inserts or replaces (every column of the spec) `rows`, in one statement; keys must be unique. */
export async function upsertRows<Row>(
  client: pg.ClientBase,
  spec: TableSpec<Row>,
  rows: readonly Row[],
): Promise<void> {
  if (rows.length === 0) return;
  const entries = Object.entries(spec.columns) as [string, ColumnType | "jsonb not null"][];
  const names = entries.map(([c]) => quote(c)).join(", ");
  const record = entries.map(([c, type]) => `${quote(c)} ${type === "jsonb not null" ? "jsonb" : type}`);
  // jsonb_to_recordset reads a JSON null as SQL NULL: a NOT NULL jsonb column keeps it as jsonb 'null'
  const select = entries.map(([c, type]) =>
    type === "jsonb not null" ? `COALESCE(r.${quote(c)}, 'null'::jsonb)` : `r.${quote(c)}`,
  );
  const keys = new Set<string>(spec.key);
  const updates = entries.filter(([c]) => !keys.has(c)).map(([c]) => `${quote(c)} = EXCLUDED.${quote(c)}`);
  await client.query(
    prepared(
      `INSERT INTO ${quote(spec.table)} (${names})
     SELECT ${select.join(", ")} FROM jsonb_to_recordset($1::jsonb) AS r(${record.join(", ")})
     ON CONFLICT (${spec.key.map(quote).join(", ")}) DO ${updates.length > 0 ? `UPDATE SET ${updates.join(", ")}` : "NOTHING"}`,
      [storableJson(rows)],
    ),
  );
}

/** What JSON.stringify escapes for NUL and for a lone surrogate (a `\\u0000` in the text only costs a second pass). */
const UNSTORABLE_ESCAPE = /\\u0000|\\ud[89a-f]/i;

/** `rows` as JSON that jsonb accepts: storable as they are (the usual case) or made storable. */
function storableJson(rows: readonly unknown[]): string {
  const json = JSON.stringify(rows);
  return UNSTORABLE_ESCAPE.test(json) ? JSON.stringify(toStorableValue(rows)) : json;
}

/** A Date from a timestamptz as read (Date) or as an event carries it (ISO string). */
export function toDate(value: Date | string): Date;
export function toDate(value: Date | string | null): Date | null;
export function toDate(value: Date | string | null): Date | null {
  if (value === null) return null;
  return value instanceof Date ? value : new Date(value);
}
