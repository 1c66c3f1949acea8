/** Entry point of `npx jobledger` / `npm run jobledger --`: registers every command and runs. */
import { createProgram, runProgram } from "./program.ts";

const program = createProgram();
// commands register themselves here, one line each:

process.exitCode = await runProgram(program, process.argv.slice(2));
