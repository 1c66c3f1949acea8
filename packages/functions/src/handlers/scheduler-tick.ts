/**
 * Lambda entry point of the scheduler: an EventBridge schedule invokes it every minute; it
 * ticks once per `JOBLEDGER_TICK_MS` until shortly before the next invocation, so fire times
 * are honoured to the second although EventBridge rules fire at most once a minute.
 */
import { loadConfig } from "@jobledger/core/config";
import type { Context } from "aws-lambda";
import { createServices } from "../wiring.ts";

const services = await createServices(loadConfig());

export async function handler(_event: unknown, context: Context): Promise<{ ticks: number; queued: number }> {
  let ticks = 0;
  let queued = 0;
  // leave headroom for the last pass before the invocation's deadline
  while (context.getRemainingTimeInMillis() > services.config.scheduler.tickMs + 5_000) {
    const started = Date.now();
    const report = await services.scheduler.tick();
    ticks++;
    queued += report.queued;
    const wait = services.config.scheduler.tickMs - (Date.now() - started);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  return { ticks, queued };
}
