/**
 * A lock file that keeps a PGlite data folder to one process: two processes opening the
 * same folder would silently lose writes. The lock is the file `<folder>.lock` beside the
 * folder (PGlite owns the folder's contents). A lock left by a process that died is taken
 * over; one held by a live process makes the opener fail with {@link FolderLocked}.
 *
 * Whether the holder still lives (issue 16, item 14; docs/adr/0009-folder-lock.md):
 * - on this host, its pid must exist *and* be the same process: the lock records the
 *   process's start time (`/proc/<pid>/stat`, field 22) and the kernel's boot id, so a pid
 *   reused by an unrelated process, or a lock from before a reboot, counts as stale;
 * - under another hostname (a container's hostname changes between sessions, a folder on a
 *   shared volume) the pid says nothing here: the holder refreshes the lock file's mtime
 *   every `heartbeatMs`, and a lock whose mtime is older than `staleMs` is stale.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface FolderLock {
  /** the lock file */
  readonly path: string;
  /** removes the lock file if it is still ours; safe to call more than once */
  release(): void;
}

/** Thrown when another live process holds the folder. */
export class FolderLocked extends Error {
  override readonly name = "FolderLocked";
  constructor(
    readonly folder: string,
    readonly holderPid: number,
    readonly lockFile: string,
    holderHost: string,
  ) {
    super(
      `the data folder ${folder} is in use by process ${holderPid}` +
        (holderHost === os.hostname() ? "" : ` on host ${holderHost}`) +
        ` (lock file ${lockFile}); stop that process, or delete the lock file if it is not running`,
    );
  }
}

interface Holder {
  pid: number;
  host: string;
  token: string;
  since: string;
  /** `/proc/<pid>/stat` field 22 (clock ticks after boot); null where there is no /proc */
  startTime: string | null;
  /** `/proc/sys/kernel/random/boot_id`; null where there is none */
  bootId: string | null;
}

export interface FolderLockOptions {
  /** how often the holder refreshes the lock file's mtime (default 10 s) */
  heartbeatMs?: number;
  /** a lock from another host whose mtime is older than this is stale (default 60 s) */
  staleMs?: number;
}

const ATTEMPTS = 5;
export const DEFAULT_LOCK_HEARTBEAT_MS = 10_000;
export const DEFAULT_LOCK_STALE_MS = 60_000;

export function acquireFolderLock(folder: string, options: FolderLockOptions = {}): FolderLock {
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_LOCK_HEARTBEAT_MS;
  const staleMs = options.staleMs ?? DEFAULT_LOCK_STALE_MS;
  const resolved = path.resolve(folder);
  const lockFile = `${resolved}.lock`;
  fs.mkdirSync(path.dirname(resolved), { recursive: true });
  const me: Holder = {
    pid: process.pid,
    host: os.hostname(),
    token: randomUUID(),
    since: new Date().toISOString(),
    startTime: processStartTime(process.pid),
    bootId: bootId(),
  };
  const content = JSON.stringify(me);

  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (tryCreate(lockFile, content)) return ownedLock(lockFile, content, heartbeatMs);
    const seen = readOrNull(lockFile);
    if (seen === null) continue; // released meanwhile: try again
    const holder = parseHolder(seen);
    if (holder !== null && isAlive(holder, lockFile, staleMs)) {
      throw new FolderLocked(resolved, holder.pid, lockFile, holder.host);
    }
    takeOverStale(lockFile, seen);
  }
  throw new Error(`could not take the lock file ${lockFile} for ${resolved} after ${ATTEMPTS} attempts`);
}

function ownedLock(lockFile: string, content: string, heartbeatMs: number): FolderLock {
  const heartbeat = setInterval(() => {
    try {
      if (readOrNull(lockFile) !== content) return; // not ours any more: leave it alone
      const now = new Date();
      fs.utimesSync(lockFile, now, now);
    } catch {
      // a missed beat is retried at the next one; only a lock silent for `staleMs` is stale
    }
  }, heartbeatMs);
  heartbeat.unref();
  return {
    path: lockFile,
    release() {
      clearInterval(heartbeat);
      if (readOrNull(lockFile) === content) fs.rmSync(lockFile, { force: true });
    },
  };
}

function tryCreate(lockFile: string, content: string): boolean {
  try {
    fs.writeFileSync(lockFile, content, { flag: "wx" });
    return true;
  } catch (error) {
    if (errorCode(error) === "EEXIST") return false;
    throw error;
  }
}

/**
 * Moves a stale lock file aside (rename is atomic, so of several processes taking over
 * the same stale lock only one moves it). If what was moved is not the stale content
 * read before (someone took the lock meanwhile), it is put back.
 */
function takeOverStale(lockFile: string, staleContent: string): void {
  const aside = `${lockFile}.stale-${process.pid}-${randomUUID()}`;
  try {
    fs.renameSync(lockFile, aside);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return;
    throw error;
  }
  if (readOrNull(aside) !== staleContent) {
    try {
      fs.linkSync(aside, lockFile);
    } catch (error) {
      if (errorCode(error) !== "EEXIST") throw error;
    }
  }
  fs.rmSync(aside, { force: true });
}

function parseHolder(text: string): Holder | null {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== "object" || value === null) return null;
    const { pid, host, token, since, startTime, bootId } = value as Record<string, unknown>;
    if (!Number.isInteger(pid) || typeof host !== "string" || typeof token !== "string") return null;
    return {
      pid: pid as number,
      host,
      token,
      since: typeof since === "string" ? since : "",
      // locks written before these fields existed have neither: the pid alone decides
      startTime: typeof startTime === "string" ? startTime : null,
      bootId: typeof bootId === "string" ? bootId : null,
    };
  } catch {
    return null; // an empty or torn file: its writer died while writing it
  }
}

function isAlive(holder: Holder, lockFile: string, staleMs: number): boolean {
  if (holder.host !== os.hostname()) {
    // its pid means nothing here; a live holder keeps the mtime fresh
    const mtimeMs = statOrNull(lockFile)?.mtimeMs;
    return mtimeMs !== undefined && Date.now() - mtimeMs < staleMs;
  }
  const myBoot = bootId();
  if (holder.bootId !== null && myBoot !== null && holder.bootId !== myBoot) return false; // before a reboot
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if (errorCode(error) !== "EPERM") return false; // EPERM: exists, owned by another user
  }
  if (holder.startTime === null) return true;
  const now = processStartTime(holder.pid);
  // the pid exists; if it started at another time it is another process that reused the pid
  return now === null || now === holder.startTime;
}

/** Field 22 of `/proc/<pid>/stat`; the command name (field 2) may hold spaces and `)`. */
function processStartTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] ?? null; // fields[0] is field 3 (state)
  } catch {
    return null;
  }
}

function bootId(): string | null {
  try {
    return fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() || null;
  } catch {
    return null;
  }
}

function statOrNull(file: string): fs.Stats | null {
  try {
    return fs.statSync(file);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return null;
    throw error;
  }
}

function readOrNull(file: string): string | null {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return null;
    throw error;
  }
}

function errorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined;
}
