import { describe, expect, it } from "vitest";
import { bannerLines, goodbyeLines } from "../../../src/cli/chat/banner.js";
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
