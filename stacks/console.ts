/// <reference path="../.sst/platform/config.d.ts" />
/**
 * The SolidStart console on Lambda and CloudFront. It talks to the API over HTTP only, so
 * it gets the API's URL and no other resource. It is declared once `packages/web` is a
 * SolidStart app (has `app.config.ts`); until then the stage has no console.
 */
import { existsSync } from "node:fs";
import path from "node:path";

export const CONSOLE_PATH = "packages/web";

/** Whether `root` holds a SolidStart console to deploy. */
export function consoleIsBuilt(root: string): boolean {
  return existsSync(path.join(root, CONSOLE_PATH, "app.config.ts"));
}

export function webConsole(root: string, apiUrl: $util.Input<string>) {
  if (!consoleIsBuilt(root)) return undefined;
  return new sst.aws.SolidStart("Console", {
    path: CONSOLE_PATH,
    environment: { JOBLEDGER_API_URL: apiUrl },
  });
}
