/** Entry point of `npx jobledger` / `npm run jobledger --`: registers every command and runs. */
import { register as registerExport } from "./commands/export.ts";
import { register as registerJobs } from "./commands/jobs.ts";
import { register as registerLakeBackfill } from "./commands/lake-backfill.ts";
import { register as registerMigrate } from "./commands/migrate.ts";
import { register as registerParked } from "./commands/parked.ts";
import { register as registerReplay } from "./commands/replay.ts";
import { register as registerRuns } from "./commands/runs.ts";
import { register as registerSql } from "./commands/sql.ts";
import { register as registerToken } from "./commands/token.ts";
import { register as registerVerify } from "./commands/verify.ts";
import { createProgram, runProgram } from "./program.ts";

const program = createProgram();
// commands register themselves here, one line each:
registerToken(program);
registerExport(program);
registerVerify(program);
registerReplay(program);
registerSql(program);
registerLakeBackfill(program);
registerParked(program);
registerJobs(program);
registerRuns(program);
registerMigrate(program);

process.exitCode = await runProgram(program, process.argv.slice(2));
