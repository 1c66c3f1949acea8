/**
 * Structured JSON logs (pino) with the same shape everywhere: on Lambda, in the local
 * runtime and in the CLI. The shape is AWS Lambda Powertools Logger's: `level` (upper
 * case), `message`, `timestamp`, `service`, and on Lambda `function_name` and
 * `xray_trace_id`; our own keys are camelCase (`component`, `correlationId`, `causationId`,
 * `tenant`, `jobId`, `runId`, ...). Derive loggers with `logger.child({ ... })` to bind ids.
 *
 * Secrets never reach the output: authorization and cookie headers, every value of a job's
 * request headers (they often carry credentials), signing keys and secrets, passwords,
 * tokens and API keys are replaced by `[redacted]` (see `REDACTED_PATHS`).
 */
import { pino } from "pino";

export type Logger = pino.Logger;

export const REDACTED = "[redacted]";

/** Key names whose values are secret wherever they appear, up to three levels deep. */
const SECRET_KEYS = [
  "authorization",
  "Authorization",
  "cookie",
  "Cookie",
  "x-api-key",
  "X-API-Key",
  "secret",
  "signingSecret",
  "signingKey",
  "masterKey",
  "password",
  "token",
  "apiKey",
];

/** Objects whose every value is secret: HTTP headers, a job's request headers. */
const SECRET_MAPS = ["headers"];

const join = (prefix: string, key: string) => (key.startsWith("[") ? `${prefix}${key}` : `${prefix}.${key}`);
const levels = (key: string) => [key, join("*", key), join("*.*", key), join("*.*.*", key)];
const quoted = (key: string) => (/^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`);

export const REDACTED_PATHS = [
  ...SECRET_KEYS.flatMap((key) => levels(quoted(key))),
  ...SECRET_MAPS.flatMap((key) => levels(`${quoted(key)}.*`)),
];

export interface LoggerOptions {
  /** write here instead of stdout (tests capture the output) */
  destination?: pino.DestinationStream;
  env?: Record<string, string | undefined>;
}

/**
 * A root logger. Pass `component` for a standalone one; otherwise derive component loggers
 * with `logger.child({ component })` (a child must not repeat a field its parent binds).
 */
export function createLogger(
  component?: string,
  level = process.env.LOG_LEVEL ?? "info",
  options: LoggerOptions = {},
): Logger {
  const env = options.env ?? process.env;
  const base: Record<string, string> = { service: env.POWERTOOLS_SERVICE_NAME ?? "jobledger" };
  if (env.AWS_LAMBDA_FUNCTION_NAME) base.function_name = env.AWS_LAMBDA_FUNCTION_NAME;
  if (component) base.component = component;
  const settings: pino.LoggerOptions = {
    level,
    base,
    messageKey: "message",
    timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label.toUpperCase() }) },
    // on Lambda the X-Ray trace id changes per invocation: read it per line
    mixin: () => (process.env._X_AMZN_TRACE_ID ? { xray_trace_id: process.env._X_AMZN_TRACE_ID } : {}),
    redact: { paths: REDACTED_PATHS, censor: REDACTED },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
