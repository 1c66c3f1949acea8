/** POSTs JSON to a webhook; any non-2xx answer (or no answer in time) is a failed delivery. */
export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string> = {},
  timeoutMs = 10_000,
): Promise<void> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "user-agent": "Jobledger-Notifier/1", ...headers },
    body,
    redirect: "manual",
    signal: AbortSignal.timeout(timeoutMs),
  });
  await response.body?.cancel().catch(() => {});
  if (response.status < 200 || response.status >= 300) {
    throw new Error(`${new URL(url).origin} answered HTTP ${response.status}`);
  }
}
