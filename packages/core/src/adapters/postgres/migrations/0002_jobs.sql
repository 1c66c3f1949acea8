-- Jobs read model: one row per job stream (<tenant>/job/<jobId>), written by the "jobs"
-- projection. Deleted jobs keep their row (status 'deleted') for audit.
CREATE TABLE jobs (
  tenant text NOT NULL,
  job_id text NOT NULL,
  name text NOT NULL,
  description text,
  -- the full JobDefinition as of `version`
  definition jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'paused', 'deleted')),
  tags text[] NOT NULL DEFAULT '{}',
  -- stream version of the last event applied (the ETag of the job)
  version integer NOT NULL,
  created_at timestamptz NOT NULL,
  created_by text NOT NULL,
  updated_at timestamptz NOT NULL,
  updated_by text NOT NULL,
  deleted_at timestamptz,
  PRIMARY KEY (tenant, job_id)
);

-- listing newest first with keyset paging on (created_at, job_id)
CREATE INDEX jobs_tenant_created_idx ON jobs (tenant, created_at, job_id);

-- filtering by tag (tags @> ARRAY[...])
CREATE INDEX jobs_tags_idx ON jobs USING gin (tags);
