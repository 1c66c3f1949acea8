/**
 * The errors the event codec throws. Each names what was being read or written, so a
 * failure in a projector or an API handler says which event and which field was wrong.
 */

/** One thing wrong with a value about to be written. */
export interface ValidationProblem {
  /** dotted path inside the payload or envelope, e.g. `definition.request.timeoutMs` */
  path: string;
  message: string;
}

/** A payload or envelope does not fit its schema; nothing was written. */
export class EventValidationError extends Error {
  override readonly name = "EventValidationError";
  constructor(
    /** what was being written, e.g. `JobCreated payload` or `Envelope` */
    readonly subject: string,
    readonly problems: readonly ValidationProblem[],
  ) {
    super(
      `invalid ${subject}: ${problems.map((p) => (p.path === "" ? p.message : `${p.path}: ${p.message}`)).join("; ")}`,
    );
  }
}

/** Bytes carry a schema fingerprint this registry has never published. */
export class UnknownSchemaError extends Error {
  override readonly name = "UnknownSchemaError";
  constructor(
    /** the fingerprint found in the bytes, 16 hex digits */
    readonly fingerprint: string,
    /** what was being read, e.g. `event envelope` or `event payload` */
    readonly reading: string,
  ) {
    super(
      `unknown schema fingerprint ${fingerprint} while reading ${reading}: ` +
        "no published schema version has it (written by a newer release, or not Jobledger data)",
    );
  }
}

/** Bytes could not be read: not single-object encoded, truncated, corrupted or inconsistent. */
export class EventDecodingError extends Error {
  override readonly name = "EventDecodingError";
}

/** A stream id is not `<tenant>/<kind>/<id>` or a part of it is not allowed. */
export class InvalidStreamIdError extends Error {
  override readonly name = "InvalidStreamIdError";
}
