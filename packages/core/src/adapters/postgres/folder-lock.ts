/**
 * A lock file that keeps a PGlite data folder to one process: two processes opening the
 * same folder would silently lose writes. The lock is the file `<folder>.lock` beside the
 * folder (PGlite owns the folder's contents). A lock left by a process that died is taken
 * over; one held by a live process makes the opener fail with {@link FolderLocked}.
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
}

const ATTEMPTS = 5;

export function acquireFolderLock(folder: string): FolderLock {
  const resolved = path.resolve(folder);
  const lockFile = `${resolved}.lock`;
  fs.mkdirSync(path.dirname(resolved), { recursive: true });
  const me: Holder = {
    pid: process.pid,
    host: os.hostname(),
    token: randomUUID(),
    since: new Date().toISOString(),
  };
  const content = JSON.stringify(me);

  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (tryCreate(lockFile, content)) return ownedLock(lockFile, content);
    const seen = readOrNull(lockFile);
    if (seen === null) continue; // released meanwhile: try again
    const holder = parseHolder(seen);
    if (holder !== null && isAlive(holder)) {
      throw new FolderLocked(resolved, holder.pid, lockFile, holder.host);
    }
    takeOverStale(lockFile, seen);
  }
  throw new Error(`could not take the lock file ${lockFile} for ${resolved} after ${ATTEMPTS} attempts`);
}

function ownedLock(lockFile: string, content: string): FolderLock {
  return {
    path: lockFile,
    release() {
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
    const { pid, host, token, since } = value as Record<string, unknown>;
    if (!Number.isInteger(pid) || typeof host !== "string" || typeof token !== "string") return null;
    return { pid: pid as number, host, token, since: typeof since === "string" ? since : "" };
  } catch {
    return null; // an empty or torn file: its writer died while writing it
  }
}

/** A holder on another host cannot be checked, so it counts as alive. */
function isAlive(holder: Holder): boolean {
  if (holder.host !== os.hostname()) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === "EPERM"; // exists, owned by another user
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
