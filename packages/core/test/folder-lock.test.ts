/**
 * The folder lock's idea of a stale lock (issue 16, item 14): a lock left under another
 * hostname is stale once its holder stopped refreshing its mtime; a lock whose pid now
 * belongs to an unrelated process (another start time) or that was written before a reboot
 * (another boot id) is stale; a live holder, here or elsewhere, still refuses.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { acquireFolderLock, type FolderLock, FolderLocked } from "../src/adapters/postgres/folder-lock.ts";

let tmp: string;
const held: FolderLock[] = [];
const children: ChildProcess[] = [];
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "jobledger-folder-lock-"));
});
afterEach(() => {
  for (const lock of held.splice(0)) lock.release();
  for (const child of children.splice(0)) child.kill("SIGKILL");
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const acquire = (folder: string, options?: Parameters<typeof acquireFolderLock>[1]) => {
  const lock = acquireFolderLock(folder, options);
  held.push(lock);
  return lock;
};
const holderOf = (folder: string) =>
  JSON.parse(fs.readFileSync(`${folder}.lock`, "utf8")) as Record<string, unknown>;
const writeLock = (folder: string, holder: Record<string, unknown>, ageMs = 0) => {
  fs.writeFileSync(
    `${folder}.lock`,
    JSON.stringify({ token: "old", since: "2020-01-01T00:00:00.000Z", ...holder }),
  );
  const at = new Date(Date.now() - ageMs);
  fs.utimesSync(`${folder}.lock`, at, at);
};
const startTimeOf = (pid: number) => {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
};
const bootId = () => fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();

/** a live, unrelated process: its pid exists, but it never held any lock */
async function unrelatedProcess(): Promise<number> {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60_000)"], { stdio: "ignore" });
  children.push(child);
  await new Promise((resolve) => child.once("spawn", resolve));
  return child.pid as number;
}

describe("a lock left under another hostname", () => {
  it("is taken over once its mtime is older than staleMs (its holder stopped refreshing it)", () => {
    const folder = path.join(tmp, "other-host-stale");
    // the pid is this process's own: on another host it says nothing, so it must not count
    writeLock(folder, { pid: process.pid, host: "container-before-restart" }, 5 * 60_000);
    acquire(folder);
    expect(holderOf(folder)).toMatchObject({ pid: process.pid, host: os.hostname() });
  });

  it("still refuses while its mtime is fresh, naming the host", () => {
    const folder = path.join(tmp, "other-host-fresh");
    writeLock(folder, { pid: 4242, host: "still-running-elsewhere" }, 1000);
    expect(() => acquire(folder)).toThrow(FolderLocked);
    expect(() => acquire(folder)).toThrow(/in use by process 4242 on host still-running-elsewhere/);
    expect(holderOf(folder).host).toBe("still-running-elsewhere");
  });

  it("stays fresh while its holder lives: the holder refreshes the mtime", async () => {
    const folder = path.join(tmp, "heartbeat");
    acquire(folder, { heartbeatMs: 50 });
    const old = new Date(Date.now() - 5 * 60_000);
    fs.utimesSync(`${folder}.lock`, old, old);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(Date.now() - fs.statSync(`${folder}.lock`).mtimeMs).toBeLessThan(60_000);
  });
});

describe("a lock on this host", () => {
  it("is taken over when its pid now belongs to an unrelated process (another start time)", async () => {
    const folder = path.join(tmp, "pid-reused");
    const pid = await unrelatedProcess();
    writeLock(folder, { pid, host: os.hostname(), startTime: "1", bootId: bootId() });
    acquire(folder);
    expect(holderOf(folder).pid).toBe(process.pid);
  });

  it("is taken over when it was written before a reboot (another boot id)", async () => {
    const folder = path.join(tmp, "rebooted");
    const pid = await unrelatedProcess();
    writeLock(folder, {
      pid,
      host: os.hostname(),
      startTime: startTimeOf(pid),
      bootId: "00000000-0000-0000-0000-000000000000",
    });
    acquire(folder);
    expect(holderOf(folder).pid).toBe(process.pid);
  });

  it("still refuses while its holder (same pid, same start time) lives", async () => {
    const folder = path.join(tmp, "alive");
    const pid = await unrelatedProcess();
    writeLock(
      folder,
      { pid, host: os.hostname(), startTime: startTimeOf(pid), bootId: bootId() },
      10 * 60_000,
    );
    expect(() => acquire(folder)).toThrow(`is in use by process ${pid}`);
    // and this process's own lock records what identifies it
    const mine = path.join(tmp, "mine");
    acquire(mine);
    expect(holderOf(mine)).toMatchObject({ startTime: startTimeOf(process.pid), bootId: bootId() });
    expect(() => acquire(mine)).toThrow(FolderLocked);
  });
});
