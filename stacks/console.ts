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

/** The build SST runs on deploy: the same app with Nitro's `aws-lambda` preset. */
export const CONSOLE_BUILD_COMMAND = "npm run build:lambda";

export function webConsole(root: string, apiUrl: $util.Input<string>) {
  if (!consoleIsBuilt(root)) return undefined;
  // SST reads the build's .output/nitro.json while planning; an offline evaluation (the stack
  // test, with the build mocked) has no such output and sets this to leave the console out.
  if (process.env.JOBLEDGER_STACKS_WITHOUT_CONSOLE === "1") return undefined;
  return new sst.aws.SolidStart("Console", {
    path: CONSOLE_PATH,
    buildCommand: CONSOLE_BUILD_COMMAND,
    environment: { JOBLEDGER_API_URL: apiUrl },
  });
}
