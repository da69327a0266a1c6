import { describe, expect, it } from "vitest";
import {
  authorizationLines,
  stripControls,
  stripControlsKeepColour,
  terminalStyle,
} from "../../../src/cli/chat/render.js";

describe("terminal output from outside text", () => {
  it("cannot write the clipboard, clear the screen or fake a link", () => {
    const hostile =
      "hi\u001b]52;c;ZXZpbA==\u0007 there\u001b[2J\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007\r\nok\tdone";
    const clean = stripControls(hostile);
    const controls = [...clean].filter((char) => {
      const code = char.codePointAt(0) ?? 0;
      return (code <= 0x1f && code !== 0x0a && code !== 0x09) || (code >= 0x7f && code <= 0x9f);
    });
    expect(controls).toEqual([]);
    expect(clean).toContain("\n");
    expect(clean).toContain("\t");
    expect(clean).toContain("click");
    // Whole sequences go, parameters and all: no payload or link is left as text.
    expect(clean).toBe("hi thereclick\nok\tdone");
    expect(clean).not.toContain("evil.example");
    expect(clean).not.toContain("ZXZpbA");
  });

  it("keeps Delegate's own colours in styled lines", () => {
    const line = "\u001b[32m✓\u001b[39m reply: \u001b]52;c;eA==\u0007text";
    const clean = stripControlsKeepColour(line);
    expect(clean.startsWith("\u001b[32m✓\u001b[39m")).toBe(true);
    expect(clean).not.toContain("\u001b]");
    expect(clean).not.toContain("\u0007");
  });
});

describe("times shown to the person", () => {
  it("are in the configured zone (the one the agent speaks in), not the system's", () => {
    const request: Parameters<typeof authorizationLines>[1][number] = {
      connector: "gmail",
      connection: "gmail",
      displayName: "Gmail",
      url: "http://127.0.0.1/link",
      status: "PENDING_AUTH",
      expiresAt: "2026-12-01T04:38:00.000Z",
      toolCallIds: [],
    };
    const piped = (timeZone: string) => terminalStyle({ input: {}, output: {} }, {}, timeZone);
    expect(authorizationLines(piped("America/Los_Angeles"), [request])[0]).toBe(
      "Gmail (link expires 20:38):",
    );
    expect(authorizationLines(piped("Asia/Tokyo"), [request])[0]).toBe("Gmail (link expires 13:38):");
  });
});
