import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "stacks/test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // the AWS SDK versions are pinned (STACK.md); its notice about future releases is noise
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    reporters: process.env.CI ? ["default", ["json", { outputFile: "reports/vitest.json" }]] : ["default"],
    // node tests (the settings above) plus the console's component tests (Solid JSX, happy-dom)
    projects: [{ extends: true, test: { name: "node" } }, "packages/web/vitest.config.ts"],
  },
});
