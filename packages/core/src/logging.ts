/**
 * Structured JSON logs (pino) with the same shape everywhere: on Lambda, in the local
 * runtime and in the CLI. Fields that may hold secrets are redacted.
 */
import { pino } from "pino";

export type Logger = pino.Logger;

const redact = {
  paths: [
    "authorization",
    "*.authorization",
    "headers.authorization",
    "*.headers.authorization",
    "*.headers.Authorization",
    "headers.cookie",
    "*.headers.cookie",
    "*.secret",
    "secret",
  ],
  censor: "[redacted]",
};

/**
 * A root logger. Pass `component` for a standalone one; otherwise derive component loggers
 * with `logger.child({ component })` (a child must not repeat a field its parent binds).
 */
export function createLogger(component?: string, level = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({
    level,
    base: component ? { component } : {},
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact,
  });
}
