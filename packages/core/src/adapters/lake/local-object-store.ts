/**
 * The lake in a local folder (the default on one machine): each key is a file below `root`,
 * written to a temporary name and renamed, so a reader never sees half an object and a
 * second put of the same key replaces the first.
 */
import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ObjectStore } from "../../ports/object-store.ts";

export function createLocalObjectStore(root: string): ObjectStore {
  const fileOf = (key: string) => {
    const file = path.resolve(root, key);
    if (!file.startsWith(path.resolve(root) + path.sep))
      throw new Error(`object key "${key}" leaves the lake folder`);
    return file;
  };
  return {
    location: path.resolve(root),
    async put(key, body) {
      const file = fileOf(key);
      await mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.${randomUUID()}.tmp`;
      await writeFile(tmp, body);
      await rename(tmp, file);
    },
    async get(key) {
      try {
        return new Uint8Array(await readFile(fileOf(key)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw error;
      }
    },
    async list(prefix) {
      const base = path.resolve(root);
      let entries: string[];
      try {
        entries = await readdir(base, { recursive: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
        throw error;
      }
      return entries
        .map((entry) => entry.split(path.sep).join("/"))
        .filter((key) => key.startsWith(prefix) && !key.endsWith(".tmp"))
        .filter((key) => /\.[a-z0-9]+$/i.test(key))
        .sort();
    },
  };
}
