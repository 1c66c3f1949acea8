/**
 * /v1/schedules/preview: the next fire times of a schedule that is not saved yet (the console's
 * job form previews while the user types). The schedule is validated exactly as in a job
 * definition, so the same 422 field paths ("schedule.expression", ...) come back. Pure: it reads
 * no tenant data, only the clock.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { isKnownTimeZone, parseInstant, Schedule } from "@jobledger/core/domain/job/definition";
import { previewFires } from "@jobledger/core/domain/schedule/preview";
import type { Api } from "../app.ts";
import type { ApiDeps } from "../context.ts";
import { errorResponses } from "../openapi-shared.ts";

/** Most fires one draft preview returns (the job preview allows more; a form needs a few). */
export const DRAFT_PREVIEW_COUNT_MAX = 50;
export const DRAFT_PREVIEW_COUNT_DEFAULT = 5;

const DraftPreviewInput = z
  .strictObject({
    schedule: Schedule.describe("a schedule exactly as in a job definition"),
    count: z
      .number({ error: "count must be a number" })
      .int("count must be an integer")
      .min(1, `count must be from 1 to ${DRAFT_PREVIEW_COUNT_MAX}`)
      .max(DRAFT_PREVIEW_COUNT_MAX, `count must be from 1 to ${DRAFT_PREVIEW_COUNT_MAX}`)
      .default(DRAFT_PREVIEW_COUNT_DEFAULT),
    from: z
      .string({ error: "from must be an ISO-8601 instant" })
      .refine((v) => parseInstant(v) !== null, "from must be an ISO-8601 instant with a zone")
      .optional()
      .describe("fires strictly after this instant (default: now); also anchors rate schedules"),
    timezone: z
      .string({ error: "timezone must be a string" })
      .refine(isKnownTimeZone, "timezone is not a known IANA time zone")
      .optional()
      .describe("show `local` times in this zone instead of the schedule's"),
  })
  .openapi("ScheduleDraftPreviewRequest");

const DraftPreview = z
  .object({
    schedule: z
      .record(z.string(), z.unknown())
      .openapi({ description: "the schedule with defaults filled in" }),
    from: z.string().openapi({ description: "the instant the fires follow (ISO)" }),
    fires: z.array(
      z.object({
        at: z.string().openapi({ description: "UTC instant" }),
        local: z.string().openapi({ description: "the same instant in the zone, with its offset" }),
        note: z.string().optional().openapi({ description: "set when DST shifted or repeated this time" }),
      }),
    ),
  })
  .openapi("ScheduleDraftPreview");

export function registerScheduleRoutes(app: Api, deps: ApiDeps): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/schedules/preview",
      tags: ["jobs"],
      summary: "Preview the next fire times of an unsaved schedule (validated as in a job definition)",
      request: {
        body: { required: true, content: { "application/json": { schema: DraftPreviewInput } } },
      },
      responses: {
        200: {
          description: "the next fire times",
          content: { "application/json": { schema: DraftPreview } },
        },
        ...errorResponses(400, 413, 415, 422),
      },
    }),
    (c) => {
      const { schedule, count, from, timezone } = c.req.valid("json");
      const after = (from === undefined ? null : parseInstant(from)) ?? deps.clock.now();
      // an unsaved rate schedule without startAt is anchored where the preview starts
      const fires = previewFires(schedule, after, after, count, timezone);
      return c.json({ schedule, from: after.toISOString(), fires }, 200);
    },
  );
}
