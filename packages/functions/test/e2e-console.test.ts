/**
 * The web console end to end: the local system and the console server (packages/web, built on
 * demand), driven through Debian's Chromium with playwright-core. Creates a job (first with an
 * invalid cron to see the inline error), triggers it, opens the run, reads the audit trail,
 * pauses the job, and saves screenshots of the main pages: to docs/screenshots/ (shown in the
 * README) when JOBLEDGER_SCREENSHOTS=docs, else to a temporary folder so a test run leaves the
 * checkout untouched.
 */
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type ConsoleServer, startConsole } from "@jobledger/web";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { launchChromium } from "./support/browser.ts";
import { startTestSystem, type TestSystem } from "./support/local-system.ts";
import { publishUndecodableCommit } from "./support/poison.ts";

const shots =
  process.env.JOBLEDGER_SCREENSHOTS === "docs"
    ? path.resolve(import.meta.dirname, "../../../docs/screenshots")
    : mkdtempSync(path.join(tmpdir(), "jobledger-screenshots-"));
let sys: TestSystem;
let web: ConsoleServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  sys = await startTestSystem({ JOBLEDGER_TICK_MS: "200" });
  web = await startConsole({ apiUrl: sys.url, apiToken: sys.devToken, port: 0, log: () => {} });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  mkdirSync(shots, { recursive: true });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await web?.stop();
  await sys?.stop();
});

const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });

it("creates a job, runs it, shows the run and the audit trail, and pauses it", {
  timeout: 120_000,
}, async () => {
  try {
    await journey();
  } catch (error) {
    // what the page showed when it failed
    throw new Error(
      `${String(error)}\n--- page ${page.url()} ---\n${await page.locator("main").innerText()}`,
    );
  }
});

async function journey() {
  await page.goto(`${web.url}/`);
  await page.getByRole("heading", { name: "Jobs" }).waitFor();
  await page.getByText("No jobs match").waitFor();

  // the form shows the API's validation error next to the field
  await page.getByRole("link", { name: "New job" }).click();
  await page.getByLabel("Name").fill("nightly report");
  await page.getByLabel("Target URL").fill(`${sys.testTarget?.url}/ok`);
  await page.getByLabel("Cron expression").fill("99 * * * *");
  await page.getByLabel("Tags (comma separated)").fill("reports, e2e");
  await page.getByRole("button", { name: "Create job" }).click();
  const cronError = page.locator("#expression-error");
  await cronError.waitFor();
  expect((await cronError.textContent())?.length).toBeGreaterThan(0);
  await shot("job-form-error");

  await page.getByLabel("Cron expression").fill("0 9 * * *");
  await page.getByLabel("Time zone (IANA)").fill("Europe/Paris");
  await page.getByRole("button", { name: "Create job" }).click();
  await page.getByRole("heading", { name: /nightly report/ }).waitFor();
  expect(await page.getByText("daily at 09:00 (Europe/Paris)").count()).toBeGreaterThan(0);
  await page.getByRole("heading", { name: "Next fires" }).waitFor();
  await page.locator(".card ol li").first().waitFor();
  await shot("job");

  // trigger it and follow the run until it succeeded
  await page.getByRole("button", { name: "Trigger now" }).click();
  await page.getByRole("link", { name: "Open the run" }).click();
  await page.getByRole("heading", { name: /Run [0-9a-f]{8}/ }).waitFor();
  await page.locator("h1 .badge-succeeded").waitFor({ timeout: 20_000 });
  const timeline = page.getByRole("list", { name: "attempt timeline" });
  expect(await timeline.textContent()).toContain("HTTP 200");
  await shot("run");

  // the audit trail: events with actor and correlation id; the state at version 1
  await page.getByRole("link", { name: /^[0-9a-f-]{36}$/ }).click();
  await page.getByRole("tab", { name: "Audit" }).click();
  const audit = page.getByRole("table", { name: "audit trail" });
  await audit.waitFor();
  const auditRows = audit.locator("tbody tr");
  expect(await auditRows.count()).toBeGreaterThanOrEqual(1);
  expect((await auditRows.first().locator("td").nth(2).textContent())?.trim().length).toBeGreaterThan(0);
  await page.getByLabel("Version or ISO time").fill("1");
  await page.getByRole("button", { name: "Show state" }).click();
  await page.locator("form.card pre").first().waitFor();
  expect(await page.locator("form.card pre").first().textContent()).toContain("nightly report");
  await shot("job-audit");

  // pause it: the status changes on the page and in the list
  await page.getByRole("button", { name: "Pause" }).click();
  await page.locator("h1 .badge-paused").waitFor();
  await page.getByRole("link", { name: "Jobs", exact: true }).click();
  const row = page.locator("tr", { hasText: "nightly report" });
  await row.locator(".badge-paused").waitFor();
  expect(await row.textContent()).toContain("daily at 09:00 (Europe/Paris)");
  await shot("jobs");

  // the global runs list shows the run
  await page.getByRole("link", { name: "Runs", exact: true }).click();
  await page.locator("tbody tr .badge-succeeded").first().waitFor();
  await shot("runs");

  // pages whose endpoints may not exist yet still render a clear state (chart or error)
  await page.getByRole("link", { name: "Analytics" }).click();
  await page.locator("canvas, .state-error, .state-empty").first().waitFor();
  await shot("analytics");
  // a record no consumer can decode: the System page lists it parked, and a retry says it stays
  const { streamId } = await publishUndecodableCommit(sys);
  await page.getByRole("link", { name: "System" }).click();
  await page.waitForURL("**/system");
  await page.locator("#parked-heading").waitFor();
  const parkedRow = page.locator("[data-testid=parked-table] tr", { hasText: "postgres-projector" });
  for (let i = 0; i < 40 && (await parkedRow.count()) === 0; i++) {
    await page.reload();
    await page.locator("#parked-heading").waitFor();
    await page.waitForTimeout(250);
  }
  expect(await parkedRow.first().textContent()).toContain(streamId);
  expect(await parkedRow.first().textContent()).toContain("InvalidChangeRecord");
  await shot("system");
  await page.getByRole("button", { name: "Retry all" }).click();
  await page.getByRole("status").filter({ hasText: "still parked" }).waitFor();

  // phone width
  await page.setViewportSize({ width: 390, height: 800 });
  await page.getByRole("link", { name: "Jobs", exact: true }).click();
  await page.locator("tr", { hasText: "nightly report" }).waitFor();
  await shot("jobs-phone");
}

it("reaches every page with the keyboard from the skip link and main navigation", {
  timeout: 60_000,
}, async () => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`${web.url}/`);
  await page.getByRole("heading", { name: "Jobs" }).waitFor();
  await page.keyboard.press("Tab");
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Runs");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Runs" }).waitFor();
  expect(new URL(page.url()).pathname).toBe("/runs");
});
