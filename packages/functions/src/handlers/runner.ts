/**
 * Lambda entry point of the runner: a Kinesis event source mapping (ReportBatchItemFailures)
 * delivers the change feed; RunQueued events start attempts. The local poller runs the same
 * handler.
 */
import { loadConfig } from "@jobledger/core/config";
import { createServices } from "../wiring.ts";

const services = await createServices(loadConfig());

export const handler = services.runnerHandler;
