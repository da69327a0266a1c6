import { describe, expect, it } from "vitest";
import { goodbyeLines } from "../../../src/cli/chat/banner.js";
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
