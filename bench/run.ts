/**
 * `npm run bench [-- name ...]`: runs the benchmarks by hand and prints their figures, each
 * beside a baseline measured in the same run. Record results in docs/benchmarks.md.
 */
import { benchEventStore } from "./event-store.ts";
import { benchLake } from "./lake.ts";
import { benchProjectionLag } from "./projection-lag.ts";
import { benchRebuild } from "./rebuild.ts";
import { benchRebuildRepair } from "./rebuild-repair.ts";
import { benchRunsThroughput } from "./runs-throughput.ts";
import { benchScheduler } from "./scheduler.ts";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const benches: Record<string, () => Promise<void>> = {
  "event-store": benchEventStore,
  "projection-lag": benchProjectionLag,
  scheduler: benchScheduler,
  "runs-throughput": benchRunsThroughput,
  rebuild: benchRebuild,
  "rebuild-repair": benchRebuildRepair,
  lake: benchLake,
};

const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !(name in benches));
if (unknown.length > 0) {
  console.error(
    `unknown benchmark(s): ${unknown.join(", ")}; choose from ${Object.keys(benches).join(", ")}`,
  );
  process.exit(2);
}
for (const name of chosen.length > 0 ? chosen : Object.keys(benches)) {
  await benches[name]?.();
}
process.exit(0);
