import { defineConfig } from "@solidjs/start/config";

/**
 * The console is a client-rendered app; its server only serves the bundle and the BFF routes
 * under /api. Locally it runs on Node (`node-server`); the AWS build (`npm run build:lambda`,
 * which SST runs on deploy) sets JOBLEDGER_CONSOLE_PRESET=aws-lambda.
 */
export default defineConfig({
  ssr: false,
  server: { preset: process.env.JOBLEDGER_CONSOLE_PRESET ?? "node-server" },
});
