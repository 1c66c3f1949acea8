/**
 * Runs the console server beside the API: builds the SolidStart app when its build is missing or
 * older than its sources (about a minute, once), then starts `.output/server/index.mjs` as a child
 * process on the given port and waits until it answers.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const WEB_DIR = path.dirname(fileURLToPath(import.meta.url));
const SERVER_ENTRY = path.join(WEB_DIR, ".output", "server", "index.mjs");

export interface ConsoleOptions {
  /** the Jobledger API the console calls (JOBLEDGER_API_URL) */
  apiUrl: string;
  /** bearer token for the API; else the console reads <dataDir>/dev-token on each call */
  apiToken?: string | null;
  dataDir?: string;
  /** 0 picks a free port */
  port?: number;
  host?: string;
  /** where build output and the server's stderr go */
  log?: (line: string) => void;
}

export interface ConsoleServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

function newestMtime(entry: string): number {
  const st = statSync(entry);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, name)));
  return newest;
}

/** True when there is no build, or a source file changed after it was made. */
export function needsBuild(): boolean {
  if (!existsSync(SERVER_ENTRY)) return true;
  const built = statSync(SERVER_ENTRY).mtimeMs;
  const sources = Math.max(
    newestMtime(path.join(WEB_DIR, "src")),
    newestMtime(path.join(WEB_DIR, "app.config.ts")),
    existsSync(path.join(WEB_DIR, "public")) ? newestMtime(path.join(WEB_DIR, "public")) : 0,
  );
  return sources > built;
}

function run(command: string, args: string[], log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: WEB_DIR, stdio: ["ignore", "pipe", "pipe"], env: process.env });
    let tail = "";
    const collect = (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4000);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code === 0) resolve();
      else {
        log(tail);
        reject(new Error(`${command} ${args.join(" ")} exited with ${code}`));
      }
    });
  });
}

/** false when the process that took the build lock is gone (killed mid-build) */
function ownerAlive(lock: string): boolean {
  try {
    process.kill(Number(readFileSync(path.join(lock, "pid"), "utf8")), 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

let building: Promise<void> | undefined;

/** Builds the console if needed (`vinxi build`); concurrent callers in one process share the build. */
export function ensureBuilt(log: (line: string) => void = () => {}): Promise<void> {
  if (!needsBuild()) return Promise.resolve();
  building ??= (async () => {
    // one build at a time across processes (parallel test files, a second `npm start`)
    const lock = path.join(WEB_DIR, ".build-lock");
    const deadline = Date.now() + 5 * 60_000;
    for (;;) {
      try {
        mkdirSync(lock);
        writeFileSync(path.join(lock, "pid"), String(process.pid));
        break;
      } catch {
        const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
        if (Date.now() > deadline || age > 5 * 60_000 || (age > 2000 && !ownerAlive(lock))) {
          rmSync(lock, { recursive: true, force: true });
          continue;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    try {
      if (!needsBuild()) return;
      log("Building the console (first start or sources changed; about a minute)…");
      const vinxi = path.join(WEB_DIR, "..", "..", "node_modules", "vinxi", "bin", "cli.mjs");
      await run(process.execPath, [vinxi, "build"], log);
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  })().finally(() => {
    building = undefined;
  });
  return building;
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, host, () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the console server exited with ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the console server did not answer at ${url} within ${timeoutMs} ms`);
}

export async function startConsole(options: ConsoleOptions): Promise<ConsoleServer> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  await ensureBuilt(log);
  const host = options.host ?? "127.0.0.1";
  const port = options.port ? options.port : await freePort(host);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: host,
    NITRO_PORT: String(port),
    NITRO_HOST: host,
    JOBLEDGER_API_URL: options.apiUrl,
  };
  if (options.apiToken) env.JOBLEDGER_API_TOKEN = options.apiToken;
  if (options.dataDir) env.JOBLEDGER_DATA_DIR = options.dataDir;
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    cwd: WEB_DIR,
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr?.on("data", (chunk: Buffer) => log(`console: ${chunk.toString().trimEnd()}`));
  // the console server never outlives the process that started it
  const killChild = () => child.kill();
  process.once("exit", killChild);
  child.once("exit", () => process.off("exit", killChild));
  const shownHost = host === "0.0.0.0" || host === "127.0.0.1" ? "localhost" : host;
  const url = `http://${shownHost}:${port}`;
  try {
    await waitUntilUp(`http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}/`, child, 30_000);
  } catch (error) {
    child.kill();
    throw error;
  }
  return {
    url,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
