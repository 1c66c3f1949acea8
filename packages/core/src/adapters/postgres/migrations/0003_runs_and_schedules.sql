-- Runs read model: one row per run stream (<tenant>/run/<runId>), written by the "runs"
-- projection. The scheduler also inserts a provisional row (status 'queued', version 0) for a
-- run it has just queued, so its next overlap check counts the run before the projection
-- lands; the projection then overwrites it. A skipped fire is a run with status 'skipped'.
CREATE TABLE runs (
  tenant text NOT NULL,
  run_id text NOT NULL,
  job_id text NOT NULL,
  -- the job's stream version whose definition the run uses; null on the scheduler's provisional row
  job_version integer,
  status text NOT NULL
    CHECK (status IN ('queued', 'running', 'retry-scheduled', 'succeeded', 'dead-lettered', 'cancelled', 'skipped')),
  trigger text NOT NULL CHECK (trigger IN ('schedule', 'catch-up', 'manual', 'retry', 'redrive')),
  -- nominal fire time of scheduled runs; null for manual ones
  scheduled_for timestamptz,
  -- when the current attempt may start; null for skipped runs
  due_at timestamptz,
  -- the current attempt (queued, running, just finished or scheduled to retry); 0 when skipped
  attempt integer NOT NULL,
  -- attempts made before the last redrive (the retry policy counts from here)
  attempt_base integer NOT NULL DEFAULT 0,
  -- the running attempt's deadline (the watchdog's limit)
  deadline timestamptz,
  -- when a scheduled retry is due
  next_attempt_at timestamptz,
  last_status_code integer,
  last_error_class text,
  last_error text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  -- when the run succeeded, was dead-lettered, cancelled or skipped
  finished_at timestamptz,
  skip_reason text CHECK (skip_reason IN ('overlap', 'missed', 'paused')),
  missed_count integer,
  missed_from timestamptz,
  missed_to timestamptz,
  -- stream version of the last event applied (0: provisional row of the scheduler)
  version integer NOT NULL,
  PRIMARY KEY (tenant, run_id)
);

-- a job's runs, newest first (keyset on created_at, run_id)
CREATE INDEX runs_job_created_idx ON runs (tenant, job_id, created_at DESC, run_id DESC);
-- a tenant's runs, newest first
CREATE INDEX runs_tenant_created_idx ON runs (tenant, created_at DESC, run_id DESC);
-- the scheduler: retries that are due, attempts past their deadline, active runs of a job
CREATE INDEX runs_retry_due_idx ON runs (next_attempt_at) WHERE status = 'retry-scheduled';
CREATE INDEX runs_running_deadline_idx ON runs (deadline) WHERE status = 'running';
CREATE INDEX runs_active_idx ON runs (tenant, job_id) WHERE status IN ('queued', 'running', 'retry-scheduled');
-- the dead letters, most recent first
CREATE INDEX runs_dead_letters_idx ON runs (tenant, updated_at DESC, run_id DESC) WHERE status = 'dead-lettered';

-- One row per started attempt of a run (the attempts timeline).
CREATE TABLE run_attempts (
  tenant text NOT NULL,
  run_id text NOT NULL,
  attempt integer NOT NULL,
  started_at timestamptz NOT NULL,
  deadline timestamptz NOT NULL,
  runner text NOT NULL,
  finished_at timestamptz,
  outcome text CHECK (outcome IN ('succeeded', 'failed', 'timed-out')),
  status_code integer,
  error_class text,
  message text,
  duration_ms double precision,
  -- response headers, lower-cased
  response_headers jsonb,
  -- the first KB of the response body
  body_excerpt text,
  body_bytes integer,
  body_truncated boolean,
  PRIMARY KEY (tenant, run_id, attempt)
);

-- Scheduling state: one row per job, written by the "schedules" projection (definition columns,
-- status, and next_fire_at when the schedule starts or changes) and by the scheduler tick as
-- it works (next_fire_at, next_due_at, last_fire_at, buffered_fire_at).
CREATE TABLE schedules (
  tenant text NOT NULL,
  job_id text NOT NULL,
  -- the job's stream version whose definition this row holds (runs snapshot it)
  job_version integer NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'paused', 'deleted')),
  schedule jsonb NOT NULL,
  overlap text NOT NULL CHECK (overlap IN ('skip', 'queue', 'allow', 'cancel-previous')),
  concurrency integer,
  catch_up jsonb NOT NULL,
  request jsonb NOT NULL,
  retry jsonb NOT NULL,
  -- the job's creation time: anchors rate schedules without startAt
  anchor timestamptz NOT NULL,
  -- the next fire time not handled yet; null when paused, deleted or never firing again
  next_fire_at timestamptz,
  -- next_fire_at plus its jitter: when the scheduler takes the row
  next_due_at timestamptz,
  -- the newest fire handled (run, skipped or buffered)
  last_fire_at timestamptz,
  -- overlap 'queue': the one fire waiting for the job to have room
  buffered_fire_at timestamptz,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant, job_id)
);

CREATE INDEX schedules_due_idx ON schedules (next_due_at) WHERE status = 'active' AND next_due_at IS NOT NULL;
CREATE INDEX schedules_buffered_idx ON schedules (buffered_fire_at) WHERE buffered_fire_at IS NOT NULL;
