// PGlite does not lock its files, and two processes on one directory corrupt it. The process that
// opens the embedded database writes its pid here; others see it and go through that process instead.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";

export interface DataDirLock {
  path: string;
  release(): void;
}

export class DataDirBusyError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`the data directory ${dataDir} is in use by another feedloom process (pid ${pid})`);
  }
}

export const lockPath = (dataDir: string) => join(dataDir, "feedloom.lock");

/** The pid of the live process holding the directory, or null when it is free (or the holder died). */
export function lockHolder(dataDir: string): number | null {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(lockPath(dataDir), "utf8"), 10);
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0) return null;
  if (pid === process.pid) return pid;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    // EPERM: alive but not ours to signal; ESRCH: gone, the lock is stale.
    return (err as NodeJS.ErrnoException).code === "EPERM" ? pid : null;
  }
}

export function acquireDataDirLock(dataDir: string): DataDirLock {
  const path = lockPath(dataDir);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        if (lockHolder(dataDir) === process.pid) rmSync(path, { force: true });
      };
      process.once("exit", release);
      return { path, release };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = lockHolder(dataDir);
      if (holder !== null) throw new DataDirBusyError(dataDir, holder);
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`could not lock the data directory ${dataDir}`);
}
