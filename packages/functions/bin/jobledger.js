#!/usr/bin/env node
// `npx jobledger ...`: runs the TypeScript CLI through tsx (the repository ships no build step).
import { register } from "tsx/esm/api";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
register();
await import("../src/cli/main.ts");
