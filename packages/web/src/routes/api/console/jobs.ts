/**
 * BFF aggregate for the jobs list: one page of jobs, each with its next fire time and its most
 * recent runs, so the browser makes one request instead of 1 + 2n.
 */
import type { APIEvent } from "@solidjs/start/server";
import { callApi, relay } from "../../../server/upstream";

interface JobLike {
  id: string;
}

async function jsonOrNull(pathname: string): Promise<unknown> {
  const res = await callApi(pathname);
  return res.ok ? res.json() : null;
}

export async function GET(event: APIEvent): Promise<Response> {
  const search = new URL(event.request.url).search;
  const res = await callApi(`/v1/jobs${search}`);
  if (!res.ok) return relay(res);
  const page = (await res.json()) as { items: JobLike[]; nextCursor: string | null };
  const items = await Promise.all(
    page.items.map(async (job) => {
      const [preview, runs] = await Promise.all([
        jsonOrNull(`/v1/jobs/${job.id}/schedule/preview?count=1`),
        jsonOrNull(`/v1/runs?jobId=${job.id}&limit=10`),
      ]);
      const fires = (preview as { fires?: { at: string; local: string }[] } | null)?.fires ?? [];
      const recent = (runs as { items?: unknown[] } | null)?.items ?? [];
      return { job, nextFire: fires[0] ?? null, recentRuns: recent };
    }),
  );
  return Response.json({ items, nextCursor: page.nextCursor });
}
