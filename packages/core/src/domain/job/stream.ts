/**
 * Names of job streams: `<tenant>/job/<jobId>`, the same rules as the events package's
 * stream ids (no part empty or holding "/"). Kept here so the domain imports only types.
 */

/** True when a tenant or job id can be one part of a stream id (non-empty, no "/"). */
export const isStreamSegment = (value: string): boolean => value !== "" && !value.includes("/");

/** `<tenant>/job/<jobId>`; throws when a part is empty or holds "/". */
export function jobStreamId(tenant: string, jobId: string): string {
  if (!isStreamSegment(tenant))
    throw new Error(`invalid tenant ${JSON.stringify(tenant)}: empty or holds "/"`);
  if (!isStreamSegment(jobId)) throw new Error(`invalid job id ${JSON.stringify(jobId)}: empty or holds "/"`);
  return `${tenant}/job/${jobId}`;
}

/** The tenant and job id of a job stream id, or null when it is not one. */
export function parseJobStreamId(streamId: string): { tenant: string; jobId: string } | null {
  const parts = streamId.split("/");
  if (parts.length !== 3 || parts[1] !== "job") return null;
  const [tenant = "", , jobId = ""] = parts;
  return isStreamSegment(tenant) && isStreamSegment(jobId) ? { tenant, jobId } : null;
}
