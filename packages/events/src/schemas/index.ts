/** Every schema family: one per event type, plus the envelope. */
import type { EventType } from "../types.ts";
import { ENVELOPE, envelopeSchema } from "./envelope.ts";
import type { EventSchema } from "./event-schema.ts";
import { jobCreatedSchema } from "./job-created.ts";
import { jobDeletedSchema } from "./job-deleted.ts";
import { jobPausedSchema } from "./job-paused.ts";
import { jobResumedSchema } from "./job-resumed.ts";
import { jobUpdatedSchema } from "./job-updated.ts";

/** The schema of each event type (exhaustive: a new EventType without a schema does not compile). */
export const eventSchemas: { readonly [T in EventType]: EventSchema<T> } = {
  JobCreated: jobCreatedSchema,
  JobUpdated: jobUpdatedSchema,
  JobPaused: jobPausedSchema,
  JobResumed: jobResumedSchema,
  JobDeleted: jobDeletedSchema,
};

export { ENVELOPE, envelopeSchema };
