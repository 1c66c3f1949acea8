/**
 * What each golden file (`<Family>.v<N>.hex`) decodes to with today's registry.
 *
 * The .hex files are written once by `scripts/write-golden.ts` (from the entry here,
 * minus schemaVersion/schemaFingerprint) and never rewritten. When a later schema
 * version changes the newest shape (e.g. a new defaulted field), update the expected
 * values of the OLD entries here to what old data now reads as; never touch the .hex.
 * The key names the schema family and version the file pins: for event types the
 * payload's, for `Envelope` the envelope's.
 */
import type { DecodedEvent } from "../../src/index.ts";

const common = {
  correlationId: "req-2b8e1c",
  actor: "user:ada",
  tenant: "default",
  prevHash: "",
  hash: "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
} as const;

export const goldenSamples: Readonly<Record<string, DecodedEvent>> = {
  "JobCreated.v1": {
    ...common,
    eventId: "01JA0000000000000000000001",
    streamId: "default/job/01JA00000000000000000000J1",
    version: 1,
    type: "JobCreated",
    occurredAt: new Date("2026-03-29T00:59:59.999Z"),
    causationId: null,
    data: {
      definition: {
        name: "Rechnungen – täglich 📄",
        description: null,
        request: {
          method: "POST",
          url: "https://billing.example.com/v1/invoices/run",
          headers: { authorization: "Bearer from-secret-store", "content-type": "application/json" },
          body: '{"dryRun":false}',
          timeoutMs: 45_000,
        },
        schedule: { type: "cron", expression: "30 2 * * 1-5", timezone: "Europe/Berlin" },
        retry: {
          maxAttempts: 4,
          initialDelayMs: 2_000,
          maxDelayMs: 4_294_967_296,
          multiplier: 1.5,
          retryOn: ["network", "timeout", "429", "5xx"],
        },
        overlap: "cancel-previous",
        tags: ["billing", "weekday"],
      },
    },
    schemaVersion: 1,
    schemaFingerprint: "1cd6596576d9881d",
  },
  "JobUpdated.v1": {
    ...common,
    eventId: "01JA0000000000000000000002",
    streamId: "default/job/01JA00000000000000000000J1",
    version: 2,
    type: "JobUpdated",
    occurredAt: new Date("2026-03-30T08:00:00.000Z"),
    causationId: "01JA0000000000000000000001",
    prevHash: "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
    hash: "6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b",
    data: {
      changes: {
        description: "now weekly",
        schedule: { type: "rate", everySeconds: 604_800 },
        overlap: "skip",
        tags: [],
      },
      changedFields: ["description", "schedule", "overlap", "tags"],
    },
    schemaVersion: 1,
    schemaFingerprint: "5968158e4f113736",
  },
  "JobPaused.v1": {
    ...common,
    eventId: "01JA0000000000000000000003",
    streamId: "default/job/01JA00000000000000000000J1",
    version: 3,
    type: "JobPaused",
    occurredAt: new Date("2026-10-25T01:30:00.000Z"),
    causationId: null,
    actor: "apikey:ops-bot",
    data: { reason: "DST change — paused by ops" },
    schemaVersion: 1,
    schemaFingerprint: "530ea151672dc82e",
  },
  "JobResumed.v1": {
    ...common,
    eventId: "01JA0000000000000000000004",
    streamId: "default/job/01JA00000000000000000000J1",
    version: 4,
    type: "JobResumed",
    occurredAt: new Date("2026-10-26T09:00:00.000Z"),
    causationId: null,
    data: {},
    schemaVersion: 1,
    schemaFingerprint: "459da1b6aff1e1a2",
  },
  "JobDeleted.v1": {
    ...common,
    eventId: "01JA0000000000000000000005",
    streamId: "acme/job/01JA00000000000000000000J2",
    tenant: "acme",
    version: 7,
    type: "JobDeleted",
    occurredAt: new Date("2027-01-01T00:00:00.000Z"),
    causationId: null,
    actor: "system:retention",
    data: { reason: null },
    schemaVersion: 1,
    schemaFingerprint: "e06437b77d34d907",
  },
  "Envelope.v1": {
    ...common,
    eventId: "01JA0000000000000000000006",
    streamId: "default/job/01JA00000000000000000000J3",
    version: 9_007_199_254_740_991,
    type: "JobPaused",
    occurredAt: new Date("1969-07-20T20:17:40.000Z"),
    causationId: "01JA0000000000000000000005",
    correlationId: "",
    data: { reason: null },
    schemaVersion: 1,
    schemaFingerprint: "530ea151672dc82e",
  },
};
