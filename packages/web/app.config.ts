import { defineConfig } from "@solidjs/start/config";

/** The console is a client-rendered app; its server only serves the bundle and the BFF routes under /api. */
export default defineConfig({
  ssr: false,
  server: { preset: "node-server" },
});
