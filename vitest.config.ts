import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "stacks/test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // two files at a time on the 2-core machines: most files wait on stand-ins and child
    // processes, not the CPU (1 306 tests: 676 s with two workers, 1 008 s with one)
    maxWorkers: 2,
    // the AWS SDK versions are pinned (STACK.md); its notice about future releases is noise
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    reporters: process.env.CI ? ["default", ["json", { outputFile: "reports/vitest.json" }]] : ["default"],
    // node tests (the settings above) plus the console's component tests (Solid JSX, happy-dom)
    projects: [{ extends: true, test: { name: "node" } }, "packages/web/vitest.config.ts"],
  },
});
