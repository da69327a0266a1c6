import { describe, expect, it } from "vitest";
import { MAX_MESSAGE_BYTES, readInputLine, tooLongMessage } from "../../../src/cli/chat/input-line.js";

describe("an input line", () => {
  it("loses terminal controls, so echoing it cannot clear the screen or fake a link", () => {
    const line = readInputLine("hi\u001b[2J \u001b]8;;https://evil.example\u0007there\u0007\tnow\r");
    // Whole sequences go, so no parameter (the link) is left behind as text either.
    expect(line).toEqual({ kind: "text", text: "hi there now" });
  });

  it("is refused past 16 KB (in UTF-8 bytes), and accepted up to it", () => {
    expect(readInputLine("a".repeat(MAX_MESSAGE_BYTES))).toMatchObject({ kind: "text" });
    expect(readInputLine("é".repeat(MAX_MESSAGE_BYTES / 2 + 1))).toEqual({
      kind: "too-long",
      bytes: MAX_MESSAGE_BYTES + 2,
    });
    const huge = readInputLine("a".repeat(1024 * 1024));
    expect(huge).toEqual({ kind: "too-long", bytes: 1024 * 1024 });
    expect(tooLongMessage(1024 * 1024)).toBe(
      "! That line is 1,024 KB; a message can be at most 16 KB. Nothing was sent.",
    );
  });

  it("names its command and arguments", () => {
    expect(readInputLine("  /Connect  gmail ")).toEqual({
      kind: "text",
      text: "/Connect  gmail",
      command: { name: "connect", args: ["gmail"] },
    });
    expect(readInputLine(" \u0007 ")).toEqual({ kind: "empty" });
  });
});
