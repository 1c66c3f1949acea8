/**
 * The edge of ADR 0010 (text Jobledger stores is well-formed Unicode without U+0000), once for
 * every /v1 route: a path segment or query value holding NUL is a 400 problem (`path`,
 * `query.<name>`), and so is a lone surrogate; every string and object key of a JSON body is
 * checked too, and one that cannot be stored is a 422 problem naming it by its dotted path, as
 * the schema validation does. Nothing past this point (zod schemas, decide, the event store, the
 * projectors) ever sees such text from a request. A body that is not JSON is left to the
 * route's validator (400 `malformed-json`).
 */
import { findUnstorable } from "@jobledger/core/domain/text/storable-text";
import type { MiddlewareHandler } from "hono";
import type { ApiEnv } from "./context.ts";
import { problems } from "./problem.ts";

const WITH_BODY = new Set(["POST", "PUT", "PATCH"]);
const JSON_TYPE = /^application\/([\w.+-]*\+)?json\b/i;

/** A percent-decoded path segment; a sequence that is not UTF-8 stays as sent (it is not text). */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function storableInput(): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const url = new URL(c.req.url);
    const inUrl = [
      ...url.pathname.split("/").flatMap((segment) => findUnstorable(decodeSegment(segment), "path")),
      ...[...url.searchParams].flatMap(([name, value]) => [
        ...findUnstorable(name, "query"),
        ...findUnstorable(value, `query.${name}`),
      ]),
    ];
    if (inUrl.length > 0) throw problems.validation(inUrl, 400);

    const type = c.req.header("content-type");
    if (WITH_BODY.has(c.req.method) && type !== undefined && JSON_TYPE.test(type)) {
      // read as text (cached for the validator and the Idempotency-Key fingerprint), then parsed
      const text = await c.req.text();
      let body: unknown;
      try {
        body = text === "" ? undefined : JSON.parse(text);
      } catch {
        return next(); // the route's validator answers malformed-json
      }
      const issues = findUnstorable(body);
      if (issues.length > 0) throw problems.validation(issues, 422);
    }
    await next();
  };
}
