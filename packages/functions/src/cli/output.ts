/**
 * How the resource commands (`jobs`, `runs`, `dead-letters`) print: a plain table (the columns
 * a person scans, as the Temporal and Trigger.dev CLIs do), `key  value` lines for one
 * resource, or with `--json` the API's JSON as it came, for scripts (`| jq`).
 */
export interface Column<T> {
  header: string;
  value(row: T): string | number | null | undefined;
}

/** Left-aligned columns, two spaces apart; an empty list prints `empty` instead. */
export function formatTable<T>(columns: readonly Column<T>[], rows: readonly T[], empty: string): string {
  if (rows.length === 0) return `${empty}\n`;
  const cells = rows.map((row) => columns.map((c) => text(c.value(row))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]?.length ?? 0)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return `${[line(columns.map((c) => c.header)), ...cells.map(line)].join("\n")}\n`;
}

/** `key  value` lines of one resource, keys aligned. */
export function formatFields(fields: readonly [string, string | number | null | undefined][]): string {
  const width = Math.max(...fields.map(([k]) => k.length));
  return `${fields.map(([k, v]) => `${k.padEnd(width)}  ${text(v)}`).join("\n")}\n`;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function print(text: string): void {
  process.stdout.write(text);
}

function text(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === "") return "-";
  return String(value).replace(/\s+/g, " ");
}
