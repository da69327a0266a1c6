import { describe, expect, it } from "vitest";
import { ConnectWatch } from "../../../src/cli/chat/connect-watch.js";
import { PendingLinks } from "../../../src/cli/chat/pending-links.js";
import type { ConnectionOverview } from "../../../src/index.js";
import { waitFor } from "../../helpers/sandbox-runtime.js";

function overview(active: string[]): ConnectionOverview[] {
  return (["gmail", "slack"] as const).map((connector) => ({
    connector,
    displayName: connector,
    connection: connector,
    status: active.includes(connector) ? "ACTIVE" : "PENDING_AUTH",
  }));
}

describe("watching /connect links", () => {
  it("reports each watched connector once it is ACTIVE, and stops polling when nothing is watched", async () => {
    let active: string[] = [];
    let calls = 0;
    const connected: string[] = [];
    const watch = new ConnectWatch({
      list: async () => {
        calls += 1;
        return overview(active);
      },
      onConnected: (connector) => connected.push(connector),
      initialMs: 5,
      maxMs: 20,
    });
    watch.watch("gmail", new Date(Date.now() + 60_000));
    await waitFor(() => calls >= 2);
    expect(connected).toEqual([]);
    active = ["gmail", "slack"];
    await waitFor(() => connected.length > 0);
    expect(connected).toEqual(["gmail"]);
    expect(watch.size).toBe(0);
    const after = calls;
    // Positive signal that time passed: another watch polls, the finished one is not reported again.
    watch.watch("slack", new Date(Date.now() + 60_000));
    await waitFor(() => connected.length === 2);
    expect(connected).toEqual(["gmail", "slack"]);
    expect(calls).toBe(after + 1);
    watch.stop();
  });

  it("drops a link once it has expired", async () => {
    let now = 1_000;
    let calls = 0;
    const watch = new ConnectWatch({
      list: async () => {
        calls += 1;
        return overview([]);
      },
      onConnected: () => {},
      initialMs: 5,
      now: () => now,
    });
    watch.watch("gmail", new Date(2_000));
    await waitFor(() => calls >= 1);
    now = 3_000;
    await waitFor(() => watch.size === 0);
    watch.stop();
  });
});

describe("pending links", () => {
  it("hold the wait's links and unexpired /connect links until settled", () => {
    let now = 0;
    const links = new PendingLinks(() => now);
    links.addConnect("slack", { url: "s", expiresAt: new Date(100) });
    links.setWait([
      {
        connector: "gmail",
        connection: "gmail",
        displayName: "Gmail",
        status: "NOT_FOUND",
        url: "g",
        expiresAt: "",
        toolCallIds: [],
      },
    ]);
    expect(links.all()).toEqual(["g", "s"]);
    expect(links.linkFor("gmail")).toBe("g");
    links.settle("gmail");
    expect(links.all()).toEqual(["s"]);
    now = 100;
    expect(links.all()).toEqual([]);
    expect(links.linkFor("slack")).toBeUndefined();
  });
});
