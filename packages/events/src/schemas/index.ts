/**
 * Every schema family: one per event type, plus the envelope.
 *
 * Changing a schema (never edit a published version):
 * 1. append `{ version: N+1, schema }` to the type's `versions`; new fields need defaults
 *    (or an `upcast` on the new version for what a default cannot express); fragments
 *    such as `JOB_DEFINITION_V1` are frozen too: add `..._V2` ones (see job-definition.ts);
 * 2. update the type's `toAvro`/`fromAvro` and, if the TS shape changed, `types.ts`;
 * 3. add `<Type>.v<N+1>` to `test/golden/samples.ts` (and update what older entries now
 *    read as), then run `npx tsx packages/events/scripts/write-golden.ts`.
 * The registry refuses to load a version old data cannot be read into, and the golden
 * tests fail if a published version changed.
 */
import type { EventType } from "../types.ts";
import { attemptFailedSchema } from "./attempt-failed.ts";
import { attemptStartedSchema } from "./attempt-started.ts";
import { attemptSucceededSchema } from "./attempt-succeeded.ts";
import { attemptTimedOutSchema } from "./attempt-timed-out.ts";
import { ENVELOPE, envelopeSchema } from "./envelope.ts";
import type { EventSchema } from "./event-schema.ts";
import { jobCreatedSchema } from "./job-created.ts";
import { jobDeletedSchema } from "./job-deleted.ts";
import { jobPausedSchema } from "./job-paused.ts";
import { jobResumedSchema } from "./job-resumed.ts";
import { jobUpdatedSchema } from "./job-updated.ts";
import { notificationFailedSchema } from "./notification-failed.ts";
import { notificationSentSchema } from "./notification-sent.ts";
import { retryScheduledSchema } from "./retry-scheduled.ts";
import { runCancelledSchema } from "./run-cancelled.ts";
import { runDeadLetteredSchema } from "./run-dead-lettered.ts";
import { runQueuedSchema } from "./run-queued.ts";
import { runRedrivenSchema } from "./run-redriven.ts";
import { runSkippedSchema } from "./run-skipped.ts";
import { runSucceededSchema } from "./run-succeeded.ts";

/** The schema of each event type (exhaustive: a new EventType without a schema does not compile). */
export const eventSchemas: { readonly [T in EventType]: EventSchema<T> } = {
  JobCreated: jobCreatedSchema,
  JobUpdated: jobUpdatedSchema,
  JobPaused: jobPausedSchema,
  JobResumed: jobResumedSchema,
  JobDeleted: jobDeletedSchema,
  RunQueued: runQueuedSchema,
  AttemptStarted: attemptStartedSchema,
  AttemptSucceeded: attemptSucceededSchema,
  AttemptFailed: attemptFailedSchema,
  AttemptTimedOut: attemptTimedOutSchema,
  RetryScheduled: retryScheduledSchema,
  RunSucceeded: runSucceededSchema,
  RunDeadLettered: runDeadLetteredSchema,
  RunCancelled: runCancelledSchema,
  RunRedriven: runRedrivenSchema,
  RunSkipped: runSkippedSchema,
  NotificationSent: notificationSentSchema,
  NotificationFailed: notificationFailedSchema,
};

export { ENVELOPE, envelopeSchema };
