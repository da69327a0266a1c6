import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { DelegateError, errorMessage } from "../errors.js";

/**
 * The secret that signs user-verification states, kept in a file (mode 0600) so every process on
 * the same data directory (the CLI, a restarted CLI, the LangGraph server) accepts the states the
 * others made. Created once; two processes racing to create it end up with the same key.
 */
export function loadVerificationKey(path: string): string {
  try {
    const existing = readKey(path);
    if (existing) return existing;
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(path, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
    } catch (error) {
      // Another process created it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const created = readKey(path);
    if (!created) throw new Error("the key file is empty or too short");
    return created;
  } catch (error) {
    throw new DelegateError(
      "CONFIG_INVALID",
      `Cannot read or create the user-verification key at ${path}: ${errorMessage(error)}. Check that DELEGATE_DATA_DIR is writable, or set DELEGATE_VERIFY=off.`,
      { cause: error },
    );
  }
}

function readKey(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8").trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  if (!/^[0-9a-f]{64,}$/.test(text))
    throw new Error("the key file does not hold a hex key of 32 bytes or more");
  // Tighten a key file someone loosened (a copy, a restore): only its owner may read it.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  return text;
}
