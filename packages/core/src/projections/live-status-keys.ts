/**
 * Key names of the live read model in Redis. Every key starts with the configured prefix
 * and carries the tenant in a hash tag (`{tenant}`), so one tenant's keys share a cluster
 * slot and the per-event Lua script may touch all of them. A rebuild writes a shadow copy
 * under another prefix.
 */
export interface LiveKeys {
  /** hash: stream id → last stream version applied (the idempotency guard) */
  versions(tenant: string): string;
  /** hash: live status of one job */
  job(tenant: string, jobId: string): string;
  /** hash: live state of one run */
  run(tenant: string, runId: string): string;
  /** set: run ids with an attempt in flight */
  running(tenant: string): string;
  /** sorted set: the job's latest runs, scored by queue time (ms) */
  jobRuns(tenant: string, jobId: string): string;
  /** hash: attempt counters of one job for one UTC minute (epoch minutes) */
  minute(tenant: string, jobId: string, minute: number): string;
  /** hash: attempt counters of one job for one UTC hour (epoch hours) */
  hour(tenant: string, jobId: string, hour: number): string;
  /** stream: the tenant's live feed */
  feed(tenant: string): string;
  /** string: cached GET of one job */
  cachedJob(tenant: string, jobId: string): string;
  /** string: a cached job list page, by a digest of its options */
  cachedJobList(tenant: string, digest: string): string;
  /** set: the cached job list keys (deleted together when any job changes) */
  cachedJobLists(tenant: string): string;
}

export function liveKeys(prefix: string): LiveKeys {
  const t = (tenant: string) => `${prefix}:{${tenant}}`;
  return {
    versions: (tenant) => `${t(tenant)}:versions`,
    job: (tenant, jobId) => `${t(tenant)}:job:${jobId}`,
    run: (tenant, runId) => `${t(tenant)}:run:${runId}`,
    running: (tenant) => `${t(tenant)}:running`,
    jobRuns: (tenant, jobId) => `${t(tenant)}:job:${jobId}:runs`,
    minute: (tenant, jobId, minute) => `${t(tenant)}:job:${jobId}:m:${minute}`,
    hour: (tenant, jobId, hour) => `${t(tenant)}:job:${jobId}:h:${hour}`,
    feed: (tenant) => `${t(tenant)}:feed`,
    cachedJob: (tenant, jobId) => `${t(tenant)}:cache:job:${jobId}`,
    cachedJobList: (tenant, digest) => `${t(tenant)}:cache:jobs:${digest}`,
    cachedJobLists: (tenant) => `${t(tenant)}:cache:jobs`,
  };
}
