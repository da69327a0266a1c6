import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createFileLogger } from "../../../src/cli/logging.js";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe("the CLI's log file", () => {
  it("is created in a 0700 folder as a 0600 file", () => {
    const root = mkdtempSync(join(tmpdir(), "delegate-log-"));
    made.push(root);
    const dataDir = join(root, "data");
    const logger = createFileLogger(dataDir, "info", []);
    logger.info({ thread: "t-1" }, "hello");
    logger.flush();
    expect(modeOf(dataDir)).toBe(0o700);
    expect(modeOf(join(dataDir, "logs"))).toBe(0o700);
    expect(modeOf(logger.path)).toBe(0o600);
  });

  it("tightens a log an older version left readable", () => {
    const root = mkdtempSync(join(tmpdir(), "delegate-log-"));
    made.push(root);
    mkdirSync(join(root, "logs"), { mode: 0o755 });
    chmodSync(join(root, "logs"), 0o755);
    writeFileSync(join(root, "logs", "delegate.log"), "");
    chmodSync(join(root, "logs", "delegate.log"), 0o644);
    const logger = createFileLogger(root, "info", []);
    expect(modeOf(join(root, "logs"))).toBe(0o700);
    expect(modeOf(logger.path)).toBe(0o600);
  });
});
