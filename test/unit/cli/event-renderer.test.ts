import { describe, expect, it } from "vitest";
import { EventRenderer, type Output } from "../../../src/cli/chat/event-renderer.js";
import { terminalStyle } from "../../../src/cli/chat/render.js";
import type { AuthorizationRequest, RuntimeEvent } from "../../../src/index.js";

const plain = terminalStyle({ input: {}, output: {} }, {});
const terminal = terminalStyle({ input: { isTTY: true }, output: { isTTY: true } }, { color: "never" });
const threadId = "t-1";

function gmailRequest(url = "http://127.0.0.1:9/magicLink/abc"): AuthorizationRequest {
  return {
    connector: "gmail",
    connection: "gmail",
    displayName: "Gmail",
    status: "NOT_FOUND",
    url,
    expiresAt: "2030-01-01T10:15:00.000Z",
    toolCallIds: ["call-1"],
  };
}

/** The transcript a view would show for these outputs. */
function transcript(outputs: Output[]): string {
  let text = "";
  for (const output of outputs) {
    if ("line" in output) text += `${text && !text.endsWith("\n") ? "\n" : ""}${output.line}\n`;
    else if ("text" in output) text += output.text;
    else if (text && !text.endsWith("\n")) text += "\n";
  }
  return text;
}

function renderAll(renderer: EventRenderer, events: RuntimeEvent[]): string {
  return transcript(events.flatMap((event) => renderer.render(event)));
}

describe("rendering runtime events", () => {
  it("a turn without a terminal: streamed text, one line per tool call, plain links on their own line and the /connect hint", () => {
    const renderer = new EventRenderer({ style: plain, columns: () => 0 });
    const out = renderAll(renderer, [
      { type: "text-delta", threadId, text: "Let me " },
      { type: "text-delta", threadId, text: "check." },
      { type: "message", threadId, role: "assistant", text: "Let me check.", messageId: "m1" },
      {
        type: "tool-call",
        threadId,
        toolCallId: "call-1",
        toolName: "gmail_search_messages",
        args: { query: "is:unread" },
      },
      {
        type: "authorization-required",
        threadId,
        requests: [gmailRequest()],
        approvals: [],
        message: "Connect Gmail to continue.",
        reason: "not_connected",
        deadline: "2030-01-01T10:25:00.000Z",
      },
      { type: "authorization-completed", threadId, connections: ["gmail"], via: "webhook" },
      // The resumed run repeats the message that preceded the pause.
      { type: "message", threadId, role: "assistant", text: "Let me check.", messageId: "m1" },
      {
        type: "tool-result",
        threadId,
        toolCallId: "call-1",
        toolName: "gmail_search_messages",
        status: "success",
        preview: "[]",
        summary: "6 messages",
      },
      // …and may report a result already shown.
      {
        type: "tool-result",
        threadId,
        toolCallId: "call-1",
        toolName: "gmail_search_messages",
        status: "success",
        preview: "[]",
        summary: "6 messages",
      },
      { type: "message", threadId, role: "assistant", text: "You have 6 unread messages.", messageId: "m2" },
      { type: "turn-end", threadId, status: "completed" },
    ]);
    expect(out.split("\n")).toEqual([
      "Let me check.",
      "Connect Gmail to continue:",
      expect.stringMatching(/^Gmail \(link expires \d\d:\d\d\):$/),
      "http://127.0.0.1:9/magicLink/abc",
      "(or /connect gmail later)",
      "✓ Gmail connected",
      '  ✓ gmail_search_messages(query: "is:unread") → 6 messages',
      "You have 6 unread messages.",
      "",
    ]);
  });

  it("at a terminal the link is an OSC 8 hyperlink on the connector's row; several connectors get a generic hint", () => {
    const renderer = new EventRenderer({ style: terminal, columns: () => 100 });
    const slack: AuthorizationRequest = {
      ...gmailRequest("http://127.0.0.1:9/magicLink/s"),
      connector: "slack",
      connection: "slack",
      displayName: "Slack",
    };
    const lines = renderer
      .render({
        type: "authorization-required",
        threadId,
        requests: [gmailRequest(), slack],
        approvals: [],
        message: "Connect Gmail and Slack to continue.",
        reason: "not_connected",
        deadline: "2030-01-01T10:25:00.000Z",
      })
      .map((output) => ("line" in output ? output.line : ""));
    expect(lines[1]).toContain("\u001b]8;;http://127.0.0.1:9/magicLink/abc\u0007");
    expect(lines[1]).toMatch(/^ {2}Gmail {2}/);
    expect(lines.at(-1)).toBe("(or /connect <connector> later)");
  });

  it("text from outside cannot reach the terminal as controls", () => {
    const renderer = new EventRenderer({ style: plain, columns: () => 0 });
    const out = renderAll(renderer, [
      { type: "text-delta", threadId, text: "hi\u001b]52;c;ZXZpbA==\u0007\u001b[2J" },
      { type: "error", threadId, code: "INTERNAL", message: "bad\u001b[31m thing" },
      {
        type: "tool-result",
        threadId,
        toolCallId: "c",
        toolName: "slack_read_channel",
        status: "error",
        preview: "",
        summary: "\u001b]8;;https://evil\u0007click",
      },
    ]);
    const controls = [...out].filter((char) => {
      const code = char.codePointAt(0) ?? 0;
      return (code < 0x20 && char !== "\n") || (code >= 0x7f && code <= 0x9f);
    });
    expect(controls).toEqual([]);
    expect(out).toContain("! bad thing");
    expect(out).toContain("→ click");
    expect(out).not.toContain("evil");
    expect(out).not.toContain("ZXZpbA");
  });

  it("timeouts and cancels say what was not done, in the connectors' names", () => {
    const renderer = new EventRenderer({ style: plain, columns: () => 0, authTimeoutMs: 90_000 });
    renderer.rememberRequests([{ ...gmailRequest(), connection: "my-gmail", displayName: "Gmail" }]);
    expect(
      renderAll(renderer, [{ type: "authorization-expired", threadId, connections: ["my-gmail"] }]),
    ).toContain("Timed out: Gmail was not connected in time (the limit is 1 min 30 s)");
    expect(
      renderAll(renderer, [{ type: "authorization-cancelled", threadId, connections: ["slack", "notion"] }]),
    ).toBe("Cancelled: no longer waiting for Slack and Notion.\n");
    // A wait for decisions only has no connection to name.
    expect(renderAll(renderer, [{ type: "authorization-cancelled", threadId, connections: [] }])).toBe(
      "Cancelled: the actions waiting for your answer will not run.\n",
    );
  });

  it("fits a tool line to the terminal's width", () => {
    const renderer = new EventRenderer({ style: terminal, columns: () => 60 });
    const [output] = renderer.render({
      type: "tool-result",
      threadId,
      toolCallId: "c",
      toolName: "notion_append_to_page",
      status: "success",
      preview: "",
      summary: "x".repeat(200),
    });
    const line = output && "line" in output ? output.line : "";
    expect(line.length).toBeLessThanOrEqual(80);
    expect(line).toContain("…");
  });
});
