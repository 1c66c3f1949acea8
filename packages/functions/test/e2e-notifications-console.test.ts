/**
 * The console's Notifications page end to end (local system + console server + headless
 * chromium): empty states, a preference refused by the API with the error under its field,
 * then saved; a dead-lettered run's delivery in the log with a working run link; delete with
 * confirmation; "Notify this browser" registers the service worker and fetches the push key
 * (subscribing itself needs a push service, which this machine cannot reach, so it reports an
 * error inline).
 */
import { type ConsoleServer, startConsole } from "@jobledger/web";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { launchChromium } from "./support/browser.ts";
import { eventually, startTestSystem, type TestSystem } from "./support/local-system.ts";

let sys: TestSystem;
let web: ConsoleServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  sys = await startTestSystem({ JOBLEDGER_TICK_MS: "200" });
  web = await startConsole({ apiUrl: sys.url, apiToken: sys.devToken, port: 0, log: () => {} });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(["notifications"], { origin: web.url });
  page = await context.newPage();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await web?.stop();
  await sys?.stop();
});

it("shows the delivery log and manages preferences", { timeout: 120_000 }, async () => {
  try {
    await journey();
  } catch (error) {
    throw new Error(
      `${String(error)}\n--- page ${page.url()} ---\n${await page.locator("main").innerText()}`,
    );
  }
});

async function journey() {
  await page.goto(`${web.url}/`);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Notifications" }).click();
  await page.getByRole("heading", { name: "Notifications", level: 1 }).waitFor();
  await page.getByText("No notifications delivered yet.").waitFor();
  await page.getByText("No notification preferences yet").waitFor();

  // the API's validation error shows under the address field
  await page.getByLabel("Email address").fill("not-an-email");
  await page.getByRole("button", { name: "Add preference" }).click();
  const fieldError = page.locator("#pref-target-error");
  await fieldError.waitFor();
  expect((await fieldError.innerText()).length).toBeGreaterThan(0);
  expect(await page.getByLabel("Email address").getAttribute("aria-invalid")).toBe("true");

  await page.getByLabel("Email address").fill("ops@example.com");
  await page.getByRole("button", { name: "Add preference" }).click();
  const row = page.locator("tr[data-preference-id]");
  await row.waitFor();
  expect(await row.innerText()).toContain("email ops@example.com");
  expect(await row.innerText()).toContain("run.dead_lettered");

  // a run that dead-letters notifies that preference; its delivery shows in the log
  const job = await sys.json("POST", "/v1/jobs", {
    name: "always failing",
    request: { method: "GET", url: `${sys.testTarget?.url}/status/404`, timeoutMs: 5000 },
    schedule: { type: "once", at: "2099-01-01T00:00:00Z" },
    retry: { maxAttempts: 1, initialDelayMs: 100, maxDelayMs: 200 },
  });
  const { id: jobId } = (await job.json()) as { id: string };
  const { runId } = (await (await sys.http(`/v1/jobs/${jobId}/runs`, { method: "POST" })).json()) as {
    runId: string;
  };
  await eventually(async () => {
    const res = (await (await sys.http("/v1/notifications")).json()) as { items: unknown[] };
    return res.items.length > 0 ? true : undefined;
  }, 20_000);
  await page.getByRole("button", { name: "Refresh" }).first().click();
  const delivery = page.locator("tr[data-delivery-id]");
  await delivery.waitFor();
  expect(await delivery.getAttribute("data-status")).toBe("sent");
  expect(await delivery.innerText()).toContain("ops@example.com");
  await delivery.getByRole("link", { name: `run ${runId.slice(0, 8)}` }).click();
  await page.waitForURL(`**/runs/${runId}`);
  await page.goBack();
  await page.getByRole("heading", { name: "Notifications", level: 1 }).waitFor();

  // delete asks for confirmation
  page.once("dialog", (dialog) => void dialog.accept());
  await page.locator("tr[data-preference-id]").getByRole("button", { name: "Delete" }).click();
  await page.getByText("No notification preferences yet").waitFor();

  // Notify this browser: the worker registers; subscribing fails without a reachable push service
  const pushKey = page.waitForResponse((r) => r.url().endsWith("/api/v1/notifications/push-key"));
  await page.getByRole("button", { name: "Notify this browser" }).click();
  expect((await pushKey).status()).toBe(200);
  const alert = page.locator("[role=alert]", { hasText: "Subscribing this browser" });
  const saved = page.locator("tr[data-preference-id]", { hasText: "push" });
  await alert.or(saved).first().waitFor({ timeout: 30_000 });
  const worker = await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.getRegistration("/");
    return registration?.active?.scriptURL ?? registration?.installing?.scriptURL ?? null;
  });
  expect(worker).toBe(`${web.url}/push-sw.js`);
}
