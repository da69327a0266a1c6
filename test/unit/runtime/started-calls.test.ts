import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStorage } from "../../../src/runtime/storage.js";
import { threadKey } from "../../../src/runtime/thread-store.js";

describe("started calls (the runtime's call ledger)", () => {
  it("a write starts once across replicas, until a start that did nothing is forgotten or the thread goes", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "delegate-calls-")), "delegate.sqlite");
    const [one, two] = await Promise.all([
      openStorage({ databaseUrl: file }),
      openStorage({ databaseUrl: file }),
    ]);
    try {
      const key = threadKey({ userId: "alice" }, "inbox");
      await one.store.touchThread({ userId: "alice" }, "inbox");
      expect(await one.store.startCall(key, "call_1")).toBe(true);
      // Another replica, the same process again, a restart: started before.
      expect(await two.store.startCall(key, "call_1")).toBe(false);
      expect(await one.store.startCall(key, "call_1")).toBe(false);
      // Another call, or the same id in another thread, is its own.
      expect(await two.store.startCall(key, "call_2")).toBe(true);
      expect(await two.store.startCall(threadKey({ userId: "bob" }, "inbox"), "call_1")).toBe(true);
      // The provider refused the token: nothing happened, so it may start again.
      await one.store.forgetCall(key, "call_1");
      expect(await two.store.startCall(key, "call_1")).toBe(true);
      // Deleting the thread forgets its calls with it.
      expect(await one.store.deleteThread(key)).toBe(true);
      expect(await two.store.startCall(key, "call_2")).toBe(true);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});
