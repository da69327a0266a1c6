import { describe, expect, it } from "vitest";
import {
  bannerLines,
  connectionLines,
  goodbyeLines,
  stillWaitingLines,
} from "../../../src/cli/chat/banner.js";
import { terminalStyle } from "../../../src/cli/chat/render.js";

const style = terminalStyle({ input: { isTTY: true }, output: { isTTY: true } }, { color: "never" });

describe("the goodbye line", () => {
  it("names the user with the thread, so the command finds it again", () => {
    const [line] = goodbyeLines(style, { userId: "bob", threadId: "t-1", stillWaiting: undefined });
    expect(line).toContain("delegate chat --user bob --thread t-1");
  });

  it("quotes a user id the shell would split or expand", () => {
    const [line] = goodbyeLines(style, { userId: "o'neil $HOME", threadId: "t-2", stillWaiting: "Gmail" });
    expect(line).toContain(`delegate chat --user 'o'\\''neil $HOME' --thread t-2 (it shows a fresh link)`);
  });
});

describe("the banner", () => {
  const facts = {
    modeLabel: "sandbox",
    modelLabel: "demo",
    userId: "u",
    threadId: "t-1",
    thread: undefined,
    examples: [],
    connectors: ["Gmail", "Google Calendar", "Slack", "Notion", "Outlook"],
  };
  it("names the connectors it acts in: the enabled ones", () => {
    expect(bannerLines(style, facts)[0]).toContain(
      "acts in your Gmail, Google Calendar, Slack, Notion, and Outlook",
    );
    const two = bannerLines(style, { ...facts, connectors: ["Gmail", "Slack"] })[0];
    expect(two).toContain("acts in your Gmail and Slack");
    expect(two).not.toContain("Notion");
  });

  it("says how to quit only where a key can", () => {
    expect(bannerLines(style, facts).at(-1)).toBe("Type a request, or /help. Ctrl+D to quit.");
    const piped = terminalStyle({ input: { isTTY: false }, output: { isTTY: false } }, { color: "never" });
    expect(bannerLines(piped, facts).at(-1)).toBe("Type a request, or /help.");
  });
});

describe("/connections", () => {
  const pending = {
    connector: "gmail",
    displayName: "Gmail",
    connection: "gmail",
    status: "PENDING_AUTH",
  } as Parameters<typeof connectionLines>[2][number];
  it("says waiting for consent only while a link is out", () => {
    const piped = terminalStyle({ input: {}, output: {} }, {});
    expect(connectionLines(piped, "u", [pending], () => "http://127.0.0.1/l")).toContain(
      "  ○ Gmail  waiting for consent — connect at:",
    );
    // A cancelled or timed-out wait leaves Scalekit's account pending, but no link and no wait.
    expect(connectionLines(piped, "u", [pending], () => undefined)).toContain(
      "  ○ Gmail  not connected (consent not finished)",
    );
  });
});

describe("a thread left waiting, on start", () => {
  const thread = {
    threadId: "t",
    userId: "u",
    messages: [{ role: "user", text: "show my unread email" }],
  } as unknown as Parameters<typeof stillWaitingLines>[1];
  const pending = {
    createdAt: "2026-12-01T04:18:00.000Z",
    deadline: "2026-12-01T04:28:00.000Z",
    requests: [{ displayName: "Gmail" }],
    approvals: [],
  } as unknown as Parameters<typeof stillWaitingLines>[2];
  const utc = terminalStyle({ input: {}, output: {} }, {}, "UTC");
  it("still waits before its deadline, and says its time ran out after it", () => {
    expect(stillWaitingLines(utc, thread, pending, Date.parse("2026-12-01T04:20:00Z"))).toEqual([
      'This thread is still waiting for you to connect Gmail (since 04:18, until 04:28), for: "show my unread email".',
      "Checking again and getting a fresh link…",
    ]);
    expect(stillWaitingLines(utc, thread, pending, Date.parse("2026-12-01T04:33:00Z"))).toEqual([
      'This thread was waiting for you to connect Gmail (since 04:18, until 04:28), for: "show my unread email".',
      "Checking whether it is connected now; if not, the wait ends.",
    ]);
  });

  it("a wait for the person's answer has no deadline: it is asked again, however late", () => {
    const answer = { ...pending, requests: [] } as typeof pending;
    expect(stillWaitingLines(utc, thread, answer, Date.parse("2026-12-02T09:00:00Z"))).toEqual([
      'This thread is still waiting for your answer (since 04:18), for: "show my unread email".',
      "Asking again…",
    ]);
  });
});
