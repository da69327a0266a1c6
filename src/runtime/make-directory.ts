import { chmodSync, mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

/**
 * `mkdir -p` that always ends. Node 20's `mkdirSync(path, { recursive: true })` loops forever
 * under a pseudo filesystem that refuses new entries with ENOENT (e.g. `/proc/nonexistent/x`),
 * so this walks up to the nearest existing directory and creates each level itself.
 *
 * Every level it creates is 0700: the data folder holds mail, messages and pending consent
 * links, which other local users must not read. Existing folders keep their mode (a folder the
 * person chose may be shared on purpose); the files inside are kept private instead.
 *
 * @throws the filesystem's error (`ENOENT`, `EACCES`, `ENOTDIR`…) for the level that failed.
 */
export function makeDirectory(path: string): void {
  const missing: string[] = [];
  for (let current = resolve(path); ; current = dirname(current)) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(current).isDirectory();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT" || dirname(current) === current) throw error;
      missing.push(current);
      continue;
    }
    if (!isDirectory) {
      throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${current}'`), {
        code: "ENOTDIR",
        path: current,
      });
    }
    break;
  }
  for (const directory of missing.reverse()) {
    try {
      mkdirSync(directory, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}

/**
 * Makes a file (or folder) Delegate owns readable by its owner only: 0600 (0700 for a folder)
 * when group or others have any access. A missing path, or one another user owns (EPERM), is
 * left as it is: the caller's open reports what matters.
 */
export function keepPrivate(path: string): void {
  let mode: number;
  let isDirectory: boolean;
  try {
    const stats = statSync(path);
    mode = stats.mode;
    isDirectory = stats.isDirectory();
  } catch {
    return;
  }
  if ((mode & 0o077) === 0) return;
  try {
    chmodSync(path, isDirectory ? 0o700 : 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EPERM" && code !== "EACCES" && code !== "EROFS") throw error;
  }
}
