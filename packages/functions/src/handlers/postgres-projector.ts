/**
 * Lambda entry point of the Postgres projector: a Kinesis event source mapping with
 * ReportBatchItemFailures delivers the change feed here. The local poller runs the same
 * handler.
 */
import { loadConfig } from "@jobledger/core/config";
import { createServices } from "../wiring.ts";

const services = await createServices(loadConfig());

export const handler = services.postgresProjectorHandler;
