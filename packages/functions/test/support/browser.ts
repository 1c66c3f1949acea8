/** Debian's Chromium through playwright-core, with the flags this offline machine needs (STACK.md). */
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM_PATH = process.env.JOBLEDGER_CHROMIUM ?? "/usr/bin/chromium";

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
