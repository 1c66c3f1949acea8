-- The stored whole response body of an attempt (AttemptSucceeded/AttemptFailed v2), written
-- by the "runs" projection: {key, sha256, bytes, contentType, truncated}, the event's
-- reference as it is. Null when none was stored (v1 events, storage off, an empty body, a
-- failed object write). The bytes are in the lake's bucket/folder under `key`
-- (docs/architecture.md, "Response bodies").
ALTER TABLE run_attempts ADD COLUMN body_object jsonb;
