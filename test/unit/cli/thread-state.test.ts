import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ThreadState } from "../../../src/cli/chat/thread-state.js";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("ThreadState (chat-state.json)", () => {
  it("remembers each user's last thread in a 0600 file, tightening a loose one", () => {
    const root = mkdtempSync(join(tmpdir(), "delegate-state-"));
    made.push(root);
    const state = new ThreadState(join(root, "data"));
    state.remember("ann", "t-1");
    expect(state.lastThread("ann")).toBe("t-1");
    const path = join(root, "data", "chat-state.json");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, "data")).mode & 0o777).toBe(0o700);

    writeFileSync(path, "{}");
    chmodSync(path, 0o644);
    state.remember("bob", "t-2");
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});
