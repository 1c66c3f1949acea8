/** Lambda entry point of the HTTP API (API Gateway HTTP API, payload v2). */
import { loadConfig } from "@jobledger/core/config";
import { handle } from "hono/aws-lambda";
import { createApi } from "../api/app.ts";
import { createServices } from "../wiring.ts";

const services = await createServices(loadConfig());

export const handler = handle(createApi(services.api));
