/**
 * The schema registry: every published version of every schema family (one family per
 * event type, plus the envelope), keyed by fingerprint. It reads single-object bytes
 * written with any published version into the newest version (avsc resolution, then the
 * upcasters of later versions) and writes with the newest version only.
 */
import type avro from "avsc";
import { type AvroRecord, type AvroSchema, canonicalForm, createAvroType, deepFreeze } from "./avro-type.ts";
import { assertWellFormed } from "./binary-guard.ts";
import { checkCompatibility } from "./compatibility.ts";
import {
  EventDecodingError,
  EventValidationError,
  UnknownSchemaError,
  type ValidationProblem,
} from "./errors.ts";
import { fingerprintHex, rabinFingerprint } from "./rabin.ts";
import { fromSingleObject, toSingleObject } from "./single-object.ts";
import { type EnumLabels, validateAvroValue } from "./validation.ts";

/**
 * Fixes what schema resolution cannot express, for data written before this version.
 * It receives the value already resolved into the newest schema (defaults filled in)
 * and the version it was written with, and returns the value to hand on.
 */
export type Upcaster = (value: AvroRecord, writerVersion: number) => AvroRecord;

/** One published version of a schema. Never edited once published: add a new one. */
export interface SchemaVersion {
  /** 1, 2, 3, ... in order */
  readonly version: number;
  readonly schema: AvroSchema;
  readonly upcast?: Upcaster;
}

/** All published versions of one schema, oldest first. */
export interface SchemaFamily<K extends string = string> {
  /** the event type the schema is for, or `Envelope` */
  readonly family: K;
  readonly versions: readonly SchemaVersion[];
}

/** One published schema version as the registry holds it. */
export interface SchemaEntry<K extends string = string> {
  /** full Avro name, e.g. `jobledger.events.JobCreated` */
  readonly name: string;
  /** the event type (or `Envelope`) this schema is for */
  readonly eventType: K;
  readonly version: number;
  /** CRC-64-AVRO of the Parsing Canonical Form, 16 hex digits */
  readonly fingerprint: string;
  readonly canonicalForm: string;
  readonly type: avro.Type;
}

export interface WriteOptions {
  /** what is written, for error messages, e.g. `JobCreated payload` */
  subject: string;
  /** problems the caller found that the schema cannot see; reported with the schema's */
  problems?: readonly ValidationProblem[];
  /** how callers spell enum symbols Avro cannot, for error messages */
  enumLabels?: EnumLabels;
}

export interface ReadResult<K extends string = string> {
  /** the schema version the bytes were written with */
  entry: SchemaEntry<K>;
  /** the value in the newest version's shape */
  value: AvroRecord;
}

interface FamilyState<K extends string> {
  readonly entries: readonly SchemaEntry<K>[];
  readonly newest: SchemaEntry<K>;
  readonly upcasters: readonly (Upcaster | undefined)[];
}

export class SchemaRegistry<K extends string = string> {
  /** every published version, grouped by family, oldest first */
  readonly entries: readonly SchemaEntry<K>[];
  private readonly byFingerprint: ReadonlyMap<string, SchemaEntry<K>>;
  private readonly families: ReadonlyMap<K, FamilyState<K>>;
  private readonly resolvers = new Map<SchemaEntry<K>, object>();

  /**
   * Build a registry; throws when versions are not numbered 1..n, two versions share a
   * fingerprint, or an old version cannot be read into the newest one.
   */
  constructor(families: readonly SchemaFamily<K>[]) {
    const entries: SchemaEntry<K>[] = [];
    const byFingerprint = new Map<string, SchemaEntry<K>>();
    const states = new Map<K, FamilyState<K>>();
    for (const { family, versions } of families) {
      if (states.has(family)) throw new Error(`schema family ${family} is registered twice`);
      if (versions.length === 0) throw new Error(`schema family ${family} has no versions`);
      const familyEntries = versions.map((v, i) => {
        if (v.version !== i + 1) {
          throw new Error(`schema family ${family}: version at position ${i + 1} is numbered ${v.version}`);
        }
        const type = createAvroType(deepFreeze(v.schema));
        const form = canonicalForm(type);
        const entry: SchemaEntry<K> = Object.freeze({
          name: type.name ?? type.typeName,
          eventType: family,
          version: v.version,
          fingerprint: fingerprintHex(rabinFingerprint(form)),
          canonicalForm: form,
          type,
        });
        const clash = byFingerprint.get(entry.fingerprint);
        if (clash !== undefined) {
          throw new Error(
            `${family} v${entry.version} has the same fingerprint (${entry.fingerprint}) as ` +
              `${clash.eventType} v${clash.version}: a new version must change the schema's canonical form`,
          );
        }
        byFingerprint.set(entry.fingerprint, entry);
        return entry;
      });
      const newest = familyEntries[familyEntries.length - 1]!;
      for (const entry of familyEntries.slice(0, -1)) {
        const problems = checkCompatibility(entry.type, newest.type);
        if (problems.length > 0) {
          throw new Error(
            `${family} v${entry.version} cannot be read as v${newest.version}: ${problems.join("; ")}`,
          );
        }
        this.resolvers.set(entry, newest.type.createResolver(entry.type));
      }
      entries.push(...familyEntries);
      states.set(family, { entries: familyEntries, newest, upcasters: versions.map((v) => v.upcast) });
    }
    this.entries = Object.freeze(entries);
    this.byFingerprint = byFingerprint;
    this.families = states;
  }

  /** The entry published with this fingerprint (16 hex digits), if any. */
  get(fingerprint: string): SchemaEntry<K> | undefined {
    return this.byFingerprint.get(fingerprint.toLowerCase());
  }

  /** Every version of a family, oldest first. */
  versions(family: K): readonly SchemaEntry<K>[] {
    return this.family(family).entries;
  }

  /** The version writers use. */
  newest(family: K): SchemaEntry<K> {
    return this.family(family).newest;
  }

  /** Problems that stop `value` from being written with the newest version of `family`. */
  validate(family: K, value: unknown, enumLabels?: EnumLabels): ValidationProblem[] {
    return validateAvroValue(this.newest(family).type, value, enumLabels);
  }

  /**
   * Encode with the newest version, single-object framed. Throws EventValidationError
   * listing the caller's problems and every schema problem.
   */
  write(family: K, value: AvroRecord, options: WriteOptions): Buffer {
    const newest = this.newest(family);
    const problems = [
      ...(options.problems ?? []),
      ...validateAvroValue(newest.type, value, options.enumLabels),
    ];
    if (problems.length > 0) throw new EventValidationError(options.subject, problems);
    return toSingleObject(BigInt(`0x${newest.fingerprint}`), newest.type.toBuffer(value));
  }

  /**
   * Decode single-object bytes written with any published version into the newest
   * version of their family. `reading` names what is read, for error messages;
   * `accept` rejects entries of the wrong family (e.g. a payload where an envelope belongs).
   */
  read(bytes: Uint8Array, reading: string, accept?: (entry: SchemaEntry<K>) => boolean): ReadResult<K> {
    const { fingerprint, body } = fromSingleObject(bytes, reading);
    const hex = fingerprintHex(fingerprint);
    const entry = this.byFingerprint.get(hex);
    if (entry === undefined) throw new UnknownSchemaError(hex, reading);
    if (accept !== undefined && !accept(entry)) {
      throw new EventDecodingError(
        `cannot read ${reading}: its schema is ${entry.eventType} v${entry.version} (${hex}), which does not belong there`,
      );
    }
    const what = `${reading} (${entry.eventType} v${entry.version}, schema ${hex})`;
    const state = this.family(entry.eventType);
    let value: AvroRecord;
    try {
      assertWellFormed(entry.type, body);
      // avsc's typing calls the resolver an empty class; the one we made for this entry is passed back
      const resolver = this.resolvers.get(entry) as Parameters<avro.Type["fromBuffer"]>[1];
      value = state.newest.type.fromBuffer(body, resolver) as AvroRecord;
    } catch (error) {
      throw new EventDecodingError(
        `cannot decode ${what}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    for (let v = entry.version + 1; v <= state.newest.version; v++) {
      const upcast = state.upcasters[v - 1];
      if (upcast === undefined) continue;
      try {
        value = upcast(value, entry.version);
      } catch (error) {
        throw new EventDecodingError(
          `cannot upcast ${what} to v${v}: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
    }
    return { entry, value };
  }

  private family(family: K): FamilyState<K> {
    const state = this.families.get(family);
    if (state === undefined) throw new Error(`no schema family ${family} in the registry`);
    return state;
  }
}
