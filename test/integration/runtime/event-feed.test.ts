import { afterEach, describe, expect, it } from "vitest";
import { CachedAgentAuth } from "../../../src/auth/cached-agent-auth.js";
import { ScalekitAgentAuth } from "../../../src/auth/scalekit/scalekit-agent-auth.js";
import { noopLogger } from "../../../src/logger.js";
import { AccountEventFeed } from "../../../src/runtime/event-feed.js";
import { PollBudget } from "../../../src/runtime/poll-budget.js";
import { type Sandbox, startSandbox } from "../../../src/sandbox/start-sandbox.js";

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

describe("Scalekit's event feed as the watcher reads it", () => {
  it("reads a burst of events a few pages at a time, leaving the calls it is told to keep", async () => {
    const s = await startSandbox({ timeZone: "UTC" });
    sandbox = s;
    const start = Date.now();
    const auth = new CachedAgentAuth(new ScalekitAgentAuth(s.settings));
    // A clock that stands still: the budget never refills, so what it spends is what it read.
    const feed = new AccountEventFeed({ auth, logger: noopLogger, now: () => start });
    // Several pages of events (a page holds 100).
    for (let i = 0; i < 150; i++) await s.controls.approve({ userId: `burst-${i}` }, "gmail");
    const budget = new PollBudget(4, () => start);
    await auth.getStatuses({ userId: "warm-up" }, ["gmail"]); // the SDK's first call fetches a token
    s.scalekit.calls.reset();

    expect(await feed.read(budget, 2)).toBeUndefined(); // not done: the rest comes later
    expect(s.scalekit.calls.count("ListEventsPaginated")).toBe(2);
    expect(budget.available()).toBe(2);

    // With the whole budget, the read goes on where it stopped and finishes.
    const later = new PollBudget(100, () => start);
    const changed = await feed.read(later);
    expect(changed?.size).toBe(150);
  });
});
