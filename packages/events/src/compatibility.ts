/**
 * Schema compatibility: can data written with one schema version be read with another
 * (Avro schema resolution)? avsc's `createResolver` is the authority; this walk adds a
 * path to each problem and keeps going, so one check lists every problem, not the first.
 */
import type avro from "avsc";

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function at(path: string): string {
  return path === "" ? "(root)" : path;
}

function isRecord(type: avro.Type): type is avro.types.RecordType {
  return type.typeName === "record" || type.typeName === "error";
}

function isUnion(type: avro.Type): type is avro.types.UnwrappedUnionType {
  return type.typeName.startsWith("union:");
}

/** Same kind and (for named types) same name or an alias of it: the branch avsc would pick. */
function sameBranch(writer: avro.Type, reader: avro.Type): boolean {
  if (writer.typeName !== reader.typeName) return false;
  if (writer.name === undefined) return true;
  return writer.name === reader.name || (reader.aliases ?? []).includes(writer.name);
}

/** Ask avsc whether `reader` can read `writer`; record its reason when not. */
function resolveLeaf(writer: avro.Type, reader: avro.Type, path: string, problems: string[]): void {
  try {
    reader.createResolver(writer);
  } catch (error) {
    problems.push(`${at(path)}: ${errorMessage(error)}`);
  }
}

function compareRecords(
  writer: avro.types.RecordType,
  reader: avro.types.RecordType,
  path: string,
  problems: string[],
): void {
  if (!sameBranch(writer, reader)) {
    problems.push(`${at(path)}: record ${reader.name} cannot read record ${writer.name} (names differ)`);
    return;
  }
  for (const field of reader.fields) {
    const fieldPath = path === "" ? field.name : `${path}.${field.name}`;
    const names = [field.name, ...(field.aliases ?? [])];
    const written = writer.fields.find((f) => names.includes(f.name));
    if (written !== undefined) {
      compare(written.type, field.type, fieldPath, problems);
    } else if (field.defaultValue() === undefined) {
      problems.push(
        `${fieldPath}: field is new in the reader and has no default, so old data cannot fill it`,
      );
    }
  }
}

function compareEnums(
  writer: avro.types.EnumType,
  reader: avro.types.EnumType,
  path: string,
  problems: string[],
): void {
  const missing = writer.symbols.filter((s) => !reader.symbols.includes(s));
  // avsc keeps an enum's `default` on the type but its typings omit it
  const readerDefault = (reader as { default?: string }).default;
  if (!sameBranch(writer, reader)) {
    problems.push(`${at(path)}: enum ${reader.name} cannot read enum ${writer.name} (names differ)`);
  } else if (missing.length > 0 && readerDefault === undefined) {
    problems.push(
      `${at(path)}: enum ${reader.name} lacks ${missing.map((s) => JSON.stringify(s)).join(", ")}, ` +
        "which old data may hold (keep the symbols, or give the enum a default)",
    );
  }
}

function compare(writer: avro.Type, reader: avro.Type, path: string, problems: string[]): void {
  if (writer.typeName === "enum" && reader.typeName === "enum") {
    compareEnums(writer as avro.types.EnumType, reader as avro.types.EnumType, path, problems);
  } else if (isRecord(writer) && isRecord(reader)) {
    compareRecords(writer, reader, path, problems);
  } else if (writer.typeName === "array" && reader.typeName === "array") {
    const items = (t: avro.Type) => (t as avro.types.ArrayType).itemsType;
    compare(items(writer), items(reader), `${path}[]`, problems);
  } else if (writer.typeName === "map" && reader.typeName === "map") {
    const values = (t: avro.Type) => (t as avro.types.MapType).valuesType as avro.Type;
    compare(values(writer), values(reader), `${path}{}`, problems);
  } else if (isUnion(writer)) {
    // every branch the writer may have written must be readable
    for (const branch of writer.types) compare(branch, reader, path, problems);
  } else if (isUnion(reader)) {
    const match = reader.types.find((branch) => sameBranch(writer, branch));
    if (match !== undefined) compare(writer, match, path, problems);
    else resolveLeaf(writer, reader, path, problems);
  } else {
    resolveLeaf(writer, reader, path, problems);
  }
}

/**
 * Problems that stop data written with `writer` from being read into `reader`, each
 * prefixed by its field path; an empty list means compatible.
 */
export function checkCompatibility(writer: avro.Type, reader: avro.Type): string[] {
  const problems: string[] = [];
  compare(writer, reader, "", problems);
  if (problems.length === 0) {
    // the walk is a helper; avsc decides
    resolveLeaf(writer, reader, "", problems);
  }
  return problems;
}
