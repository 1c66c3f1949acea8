/**
 * Notifications: preferences (who hears about what, through which channels) at
 * `/v1/notification-preferences`, and the delivery log at `/v1/notifications`.
 * `GET /v1/notifications/push-key` gives browsers the VAPID public key for Web Push.
 * Webhook secrets are write-only: answers say `secretSet: true` instead of the secret.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { checkTarget, parseTargetAllowList } from "@jobledger/core/domain/job/target-policy";
import type { DeliveryLog, PreferenceStore } from "@jobledger/core/notifications/ports";
import {
  type ChannelConfig,
  NOTIFICATION_KINDS,
  type NotificationPreference,
  type PreferenceInput,
} from "@jobledger/core/notifications/preferences";
import type { Api } from "../app.ts";
import type { ApiDeps } from "../context.ts";
import { errorResponses } from "../openapi-shared.ts";
import { ProblemError, problems } from "../problem.ts";

const httpUrl = z
  .string()
  .max(2048)
  .url()
  .refine((u) => /^https?:\/\//i.test(u), "must be an http(s) URL");

const validTimezone = (tz: string) => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be HH:MM (24 h)");

const ChannelInput = z.discriminatedUnion("type", [
  z.object({ type: z.literal("email"), address: z.string().email().max(254) }).strict(),
  z.object({ type: z.literal("slack"), webhookUrl: httpUrl }).strict(),
  z.object({ type: z.literal("teams"), webhookUrl: httpUrl }).strict(),
  z.object({ type: z.literal("webhook"), url: httpUrl, secret: z.string().min(16).max(256) }).strict(),
  z
    .object({
      type: z.literal("push"),
      subscription: z
        .object({
          endpoint: httpUrl,
          keys: z.object({ p256dh: z.string().min(1).max(256), auth: z.string().min(1).max(64) }).strict(),
        })
        .strict(),
    })
    .strict(),
]);

const Scope = z.discriminatedUnion("type", [
  z.object({ type: z.literal("all") }).strict(),
  z.object({ type: z.literal("job"), jobId: z.string().min(1).max(64) }).strict(),
  z.object({ type: z.literal("tag"), tag: z.string().min(1).max(63) }).strict(),
]);

const PreferenceBody = z
  .object({
    recipient: z
      .string()
      .regex(/^(user|team):[^\s/]{1,128}$/, "must be user:<id> or team:<id>")
      .openapi({ example: "team:ops" }),
    scope: Scope.default({ type: "all" }),
    kinds: z.array(z.enum(NOTIFICATION_KINDS)).min(1).max(4),
    channels: z.array(ChannelInput).min(1).max(10),
    quietHours: z
      .object({
        timezone: z.string().max(64).refine(validTimezone, "unknown IANA time zone"),
        start: hhmm,
        end: hhmm,
      })
      .strict()
      .nullable()
      .default(null),
    digest: z
      .object({ enabled: z.boolean(), intervalMinutes: z.number().int().min(5).max(1440) })
      .strict()
      .nullable()
      .default(null)
      .openapi({ description: "stored and validated; digest delivery is not implemented yet" }),
  })
  .strict()
  .openapi("NotificationPreferenceInput");

const ChannelView = z.union([
  z.object({ type: z.literal("email"), address: z.string() }),
  z.object({ type: z.enum(["slack", "teams"]), webhookUrl: z.string() }),
  z.object({ type: z.literal("webhook"), url: z.string(), secretSet: z.literal(true) }),
  z.object({ type: z.literal("push"), endpoint: z.string() }),
]);

const Preference = z
  .object({
    id: z.string(),
    recipient: z.string(),
    scope: z.unknown(),
    kinds: z.array(z.string()),
    channels: z.array(ChannelView),
    quietHours: z.unknown().nullable(),
    digest: z.unknown().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("NotificationPreference");

const Delivery = z
  .object({
    id: z.string(),
    at: z.string(),
    sourceEventId: z.string(),
    kind: z.string(),
    jobId: z.string(),
    runId: z.string().nullable(),
    recipient: z.string(),
    channel: z.string(),
    destination: z.string(),
    status: z.enum(["sent", "failed"]),
    attempts: z.number(),
    error: z.string().nullable(),
  })
  .openapi("NotificationDelivery");

const IdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});
const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(2048).optional(),
});

function channelView(channel: ChannelConfig): z.infer<typeof ChannelView> {
  switch (channel.type) {
    case "email":
      return { type: "email", address: channel.address };
    case "slack":
    case "teams":
      return { type: channel.type, webhookUrl: channel.webhookUrl };
    case "webhook":
      return { type: "webhook", url: channel.url, secretSet: true };
    case "push":
      return { type: "push", endpoint: channel.subscription.endpoint };
  }
}

function view(p: NotificationPreference): z.infer<typeof Preference> {
  return {
    id: p.id,
    recipient: p.recipient,
    scope: p.scope,
    kinds: p.kinds,
    channels: p.channels.map(channelView),
    quietHours: p.quietHours,
    digest: p.digest,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}

const json = (schema: z.ZodType) => ({ "application/json": { schema } });

export function registerNotificationRoutes(app: Api, deps: ApiDeps): void {
  const stores = (): { preferences: PreferenceStore; deliveries: DeliveryLog } => {
    if (!deps.notifications) {
      throw new ProblemError(
        503,
        "notifications-unavailable",
        "Notifications are not configured",
        "no notification store",
      );
    }
    return deps.notifications;
  };
  const paged = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof Error && /cursor/i.test(error.message)) {
        throw problems.validation([{ path: "cursor", message: "not a cursor this API issued" }], 400);
      }
      throw error;
    }
  };
  const path = "/v1/notification-preferences";
  /** Channel URLs obey the same SSRF rules (and allow-list) as job targets. */
  const allowList = parseTargetAllowList(deps.config.targets.allowList);
  const checkChannelUrls = (input: PreferenceInput): PreferenceInput => {
    const issues = input.channels.flatMap((channel, i) => {
      const url =
        channel.type === "webhook"
          ? channel.url
          : channel.type === "push"
            ? channel.subscription.endpoint
            : channel.type === "email"
              ? null
              : channel.webhookUrl;
      const reason = url === null ? null : checkTarget(new URL(url), allowList);
      return reason ? [{ path: `channels.${i}`, message: reason }] : [];
    });
    if (issues.length > 0) throw problems.validation(issues);
    return input;
  };

  app.openapi(
    createRoute({
      method: "post",
      path,
      tags: ["notifications"],
      summary: "Create a notification preference",
      request: { body: { required: true, content: json(PreferenceBody) } },
      responses: {
        201: { description: "created", content: json(Preference) },
        ...errorResponses(400, 415, 422),
      },
    }),
    async (c) => {
      const input = checkChannelUrls(c.req.valid("json") as PreferenceInput);
      const created = await stores().preferences.create(c.get("tenant"), input);
      c.header("Location", `${path}/${created.id}`);
      return c.json(view(created), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path,
      tags: ["notifications"],
      summary: "List notification preferences",
      request: { query: PageQuery },
      responses: {
        200: {
          description: "a page",
          content: json(z.object({ items: z.array(Preference), nextCursor: z.string().nullable() })),
        },
        ...errorResponses(400, 422),
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const page = await paged(() =>
        stores().preferences.list(c.get("tenant"), { limit: q.limit, cursor: q.cursor ?? null }),
      );
      return c.json({ items: page.items.map(view), nextCursor: page.cursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: `${path}/{id}`,
      tags: ["notifications"],
      summary: "Read a notification preference",
      request: { params: IdParam },
      responses: {
        200: { description: "the preference", content: json(Preference) },
        ...errorResponses(404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const found = await stores().preferences.get(c.get("tenant"), id);
      if (!found) throw problems.notFound(`notification preference ${id}`);
      return c.json(view(found), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "put",
      path: `${path}/{id}`,
      tags: ["notifications"],
      summary: "Replace a notification preference",
      request: { params: IdParam, body: { required: true, content: json(PreferenceBody) } },
      responses: {
        200: { description: "replaced", content: json(Preference) },
        ...errorResponses(400, 404, 415, 422),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const input = checkChannelUrls(c.req.valid("json") as PreferenceInput);
      const replaced = await stores().preferences.replace(c.get("tenant"), id, input);
      if (!replaced) throw problems.notFound(`notification preference ${id}`);
      return c.json(view(replaced), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: `${path}/{id}`,
      tags: ["notifications"],
      summary: "Delete a notification preference",
      request: { params: IdParam },
      responses: { 204: { description: "deleted" }, ...errorResponses(404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const removed = await stores().preferences.remove(c.get("tenant"), id);
      if (!removed) throw problems.notFound(`notification preference ${id}`);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/notifications/push-key",
      tags: ["notifications"],
      summary: "The VAPID public key browsers subscribe to Web Push with",
      responses: {
        200: {
          description: "the key (base64url, an uncompressed P-256 point)",
          content: json(z.object({ publicKey: z.string() }).openapi("PushKey")),
        },
        ...errorResponses(503),
      },
    }),
    (c) => {
      const publicKey = deps.config.notifications.vapidPublicKey;
      if (!publicKey || !deps.config.notifications.vapidPrivateKey) {
        throw new ProblemError(
          503,
          "push-unavailable",
          "Web Push is not configured",
          "set JOBLEDGER_VAPID_PUBLIC_KEY and JOBLEDGER_VAPID_PRIVATE_KEY",
        );
      }
      return c.json({ publicKey }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/notifications",
      tags: ["notifications"],
      summary: "Delivery log: the final outcome per notification and channel, newest first",
      request: { query: PageQuery },
      responses: {
        200: {
          description: "a page",
          content: json(z.object({ items: z.array(Delivery), nextCursor: z.string().nullable() })),
        },
        ...errorResponses(400, 422),
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const page = await paged(() =>
        stores().deliveries.list(c.get("tenant"), { limit: q.limit, cursor: q.cursor ?? null }),
      );
      return c.json(
        {
          items: page.items.map(({ tenant: _tenant, ...rest }) => rest),
          nextCursor: page.cursor,
        },
        200,
      );
    },
  );
}
