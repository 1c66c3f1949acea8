/**
 * API keys for services (admin only, by the policy table): create (the key is shown once),
 * list (never the key or its hash), revoke. Keys belong to the caller's tenant.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { ApiKeyRecord } from "@jobledger/core/auth/api-keys";
import { newApiKey } from "@jobledger/core/auth/api-keys";
import { ROLES, TENANT_ROLES } from "@jobledger/core/auth/principal";
import type { Api } from "../app.ts";
import type { ApiDeps } from "../context.ts";
import { replayInstead } from "../middleware.ts";
import { errorResponses } from "../openapi-shared.ts";
import { problems } from "../problem.ts";

const ApiKey = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    createdAt: z.string(),
    createdBy: z.string(),
    revokedAt: z.string().nullable(),
    revokedBy: z.string().nullable(),
    expiresAt: z.string().nullable().openapi({ description: "refused from then on (401); null = never" }),
    lastUsedAt: z
      .string()
      .nullable()
      .openapi({ description: "when it last authenticated, to the minute; null = never" }),
  })
  .openapi("ApiKey");

const CreatedApiKey = ApiKey.extend({
  key: z.string().openapi({ description: "the key itself: shown only in this response" }),
}).openapi("CreatedApiKey");

const CreateBody = z
  .object({
    name: z.string().min(1).max(100),
    role: z.enum(TENANT_ROLES),
    expiresAt: z.iso
      .datetime({
        offset: true,
        error: "expiresAt must be an ISO 8601 instant with an offset, in the future",
      })
      .optional()
      .openapi({ description: "the key is refused from this instant on (default: never)" }),
  })
  .strict();

const IdParam = z.object({
  id: z
    .string()
    .regex(/^[a-z0-9]{16}$/, "id must be an API key id")
    .openapi({ param: { name: "id", in: "path" } }),
});

const view = (r: ApiKeyRecord): z.infer<typeof ApiKey> => ({
  id: r.id,
  name: r.name,
  role: r.role,
  createdAt: r.createdAt,
  createdBy: r.createdBy,
  revokedAt: r.revokedAt,
  revokedBy: r.revokedBy,
  expiresAt: r.expiresAt,
  lastUsedAt: r.lastUsedAt,
});

const authErrors = () => ({
  401: { description: "missing or invalid credentials" },
  403: { description: "the credential's role may not manage API keys (admin only)" },
});

export function registerApiKeyRoutes(app: Api, deps: ApiDeps): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/api-keys",
      tags: ["api-keys"],
      summary: "Create an API key (the key is shown once)",
      request: { body: { required: true, content: { "application/json": { schema: CreateBody } } } },
      responses: {
        201: { description: "created", content: { "application/json": { schema: CreatedApiKey } } },
        ...authErrors(),
        409: {
          ...errorResponses(409)[409],
          description:
            "a repeat of a request with the same Idempotency-Key: the key was created then, and its " +
            "secret is not shown again (`/problems/api-key-already-created`, with the key's `id`)",
        },
        ...errorResponses(400, 413, 415, 422),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const now = deps.clock.now();
      const expiresAt = body.expiresAt === undefined ? null : new Date(body.expiresAt);
      if (expiresAt !== null && expiresAt.getTime() <= now.getTime()) {
        throw problems.validation([{ path: "expiresAt", message: "expiresAt must be in the future" }]);
      }
      const { id, key, hash } = newApiKey();
      const record: ApiKeyRecord = {
        id,
        tenant: c.get("tenant"),
        name: body.name,
        role: body.role,
        hash,
        createdAt: now.toISOString(),
        createdBy: c.get("actor"),
        revokedAt: null,
        revokedBy: null,
        expiresAt: expiresAt?.toISOString() ?? null,
        lastUsedAt: null,
      };
      await deps.apiKeys.put(record);
      // the key is shown once: an Idempotency-Key replay gets a 409 naming the key, not the key
      replayInstead(c, problems.apiKeyAlreadyCreated(id));
      c.header("Location", `/v1/api-keys/${id}`);
      c.header("Cache-Control", "no-store");
      return c.json({ ...view(record), key }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/api-keys",
      tags: ["api-keys"],
      summary: "List this tenant's API keys (without the keys)",
      responses: {
        200: {
          description: "the keys",
          content: { "application/json": { schema: z.object({ items: z.array(ApiKey) }) } },
        },
        ...authErrors(),
      },
    }),
    async (c) => {
      const records = await deps.apiKeys.list(c.get("tenant"));
      return c.json({ items: records.map(view) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/api-keys/{id}",
      tags: ["api-keys"],
      summary: "Revoke an API key (requests with it get 401 from now on)",
      request: { params: IdParam },
      responses: {
        204: { description: "revoked" },
        ...authErrors(),
        ...errorResponses(400, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const done = await deps.apiKeys.revoke(
        c.get("tenant"),
        id,
        deps.clock.now().toISOString(),
        c.get("actor"),
      );
      if (!done) throw problems.notFound(`API key ${id}`);
      return c.body(null, 204);
    },
  );
}
