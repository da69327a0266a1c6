import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { noopLogger } from "../../../src/logger.js";
import { EventBus } from "../../../src/runtime/event-bus.js";
import { ResumedElsewhere } from "../../../src/runtime/resumed-elsewhere.js";
import { openStorage, type Storage } from "../../../src/runtime/storage.js";
import { threadKey } from "../../../src/runtime/thread-store.js";

const ALICE = { userId: "alice" };
const storages: Storage[] = [];
afterEach(async () => {
  for (const storage of storages.splice(0)) await storage.close();
});

async function setUp() {
  const storage = await openStorage({
    databaseUrl: join(mkdtempSync(join(tmpdir(), "delegate-elsewhere-")), "delegate.sqlite"),
  });
  storages.push(storage);
  const bus = new EventBus(noopLogger);
  const elsewhere = new ResumedElsewhere({
    store: storage.store,
    bus,
    coordinator: { isBusy: () => false },
    // Only read for a thread someone here streams; none does in these tests.
    graph: {
      getState: () => {
        throw new Error("no stream is open here");
      },
    },
    logger: noopLogger,
  });
  return { storage, bus, elsewhere };
}

/** A thread that paused on this process: its pending row, and the event the bus saw. */
async function pauseHere(storage: Storage, bus: EventBus, threadId: string): Promise<string> {
  const key = threadKey(ALICE, threadId);
  const now = Date.now();
  await storage.store.touchThread(ALICE, threadId);
  await storage.store.putPending({
    key,
    threadId,
    identity: ALICE,
    identifier: "alice",
    connections: ["gmail"],
    requests: [],
    approvals: [],
    reason: "not_connected",
    createdAt: now,
    deadlineAt: now + 60_000,
    rejectedTokens: {},
  });
  bus.publish(key, {
    type: "authorization-required",
    threadId,
    requests: [],
    approvals: [],
    message: "Connect Gmail",
    reason: "not_connected",
    deadline: new Date(now + 60_000).toISOString(),
  });
  return key;
}

async function tick(elsewhere: ResumedElsewhere, times: number): Promise<void> {
  for (let i = 0; i < times; i += 1) await elsewhere.settle();
}

describe("ResumedElsewhere", () => {
  it("forgets a thread nobody streams here once another process resumed it", async () => {
    const { storage, bus, elsewhere } = await setUp();
    const gone = await pauseHere(storage, bus, "resumed-elsewhere");
    await pauseHere(storage, bus, "still-waiting");
    expect(elsewhere.size).toBe(2);
    // Still waiting everywhere: kept through a whole sweep of unwatched threads.
    await tick(elsewhere, 30);
    expect(elsewhere.size).toBe(2);
    // Another replica resumed one (its row is gone): the next sweep drops it, not the other.
    await storage.store.clearPending(gone);
    await tick(elsewhere, 30);
    expect(elsewhere.size).toBe(1);
  });
});
