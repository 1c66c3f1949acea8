-- Whether an attempt's body excerpt had NUL or bytes that are not UTF-8 replaced by U+FFFD
-- to be storable text (AttemptSucceeded/AttemptFailed v3 `bodyExcerptReplaced`, ADR 0010),
-- written by the "runs" projection. Null until an outcome with a response is applied (as
-- body_bytes); attempts projected before this migration read false, as a replay folds them.
ALTER TABLE run_attempts ADD COLUMN body_excerpt_replaced boolean;
UPDATE run_attempts SET body_excerpt_replaced = false WHERE body_bytes IS NOT NULL;
