/** Pure formatting helpers: schedules in words, times, durations. */
import type { Schedule } from "./types";

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

const pad = (n: string) => n.padStart(2, "0");
const isNum = (s: string | undefined): s is string => s !== undefined && /^\d+$/.test(s);

/** "*\/5 * * * *" → "every 5 minutes"; falls back to the expression itself. */
export function cronInWords(expression: string): string {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) return `cron ${expression}`;
  const [min, hour, dom, month, dow] = parts as [string, string, string, string, string];
  const everyDay = dom === "*" && month === "*";
  if (min === "*" && hour === "*" && everyDay && dow === "*") return "every minute";
  const stepMin = /^\*\/(\d+)$/.exec(min);
  if (stepMin && hour === "*" && everyDay && dow === "*") return `every ${stepMin[1]} minutes`;
  if (isNum(min) && hour === "*" && everyDay && dow === "*") return `hourly at minute ${Number(min)}`;
  const stepHour = /^\*\/(\d+)$/.exec(hour);
  if (isNum(min) && stepHour && everyDay && dow === "*")
    return `every ${stepHour[1]} hours at minute ${Number(min)}`;
  if (isNum(min) && isNum(hour) && everyDay) {
    const at = `${pad(hour)}:${pad(min)}`;
    if (dow === "*") return `daily at ${at}`;
    if (dow === "1-5") return `weekdays at ${at}`;
    if (isNum(dow) && DAYS[Number(dow) % 7]) return `${DAYS[Number(dow) % 7]}s at ${at}`;
  }
  if (isNum(min) && isNum(hour) && isNum(dom) && month === "*" && dow === "*")
    return `monthly on day ${Number(dom)} at ${pad(hour)}:${pad(min)}`;
  return `cron ${expression}`;
}

export function durationInWords(seconds: number): string {
  if (seconds % 86_400 === 0) return plural(seconds / 86_400, "day");
  if (seconds % 3_600 === 0) return plural(seconds / 3_600, "hour");
  if (seconds % 60 === 0) return plural(seconds / 60, "minute");
  return plural(seconds, "second");
}

function plural(n: number, unit: string): string {
  return n === 1 ? unit : `${n} ${unit}s`;
}

/** The schedule in words, with its time zone for cron ("daily at 09:00 (Europe/Paris)"). */
export function scheduleInWords(schedule: Schedule): string {
  switch (schedule.type) {
    case "cron":
      return `${cronInWords(schedule.expression)} (${schedule.timezone})`;
    case "rate":
      return `every ${durationInWords(schedule.everySeconds)}`;
    case "once":
      return `once at ${formatTime(schedule.at)}`;
  }
}

/** "2026-11-23 17:05:09 UTC" style, stable across locales (tests and screenshots). */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** Tags typed as "a, b ,c" → ["a","b","c"]. */
export function parseTags(text: string): string[] {
  return text
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean);
}
