import { describe, expect, it } from "vitest";
import { terminalStyle } from "../../../src/cli/chat/render.js";
import { loadConfig } from "../../../src/config/env-config.js";

type Streams = { input: { isTTY?: boolean }; output: { isTTY?: boolean } };
const tty: Streams = { input: { isTTY: true }, output: { isTTY: true } };
const piped: Streams = { input: {}, output: {} };

describe("terminal settings (NO_COLOR, FORCE_COLOR, TERM)", () => {
  it("reads them with the rest of the configuration", () => {
    expect(loadConfig({}).terminal).toEqual({ color: "auto" });
    expect(loadConfig({ NO_COLOR: "1", FORCE_COLOR: "1" }).terminal.color).toBe("never");
    expect(loadConfig({ NO_COLOR: "" }).terminal.color).toBe("auto");
    expect(loadConfig({ FORCE_COLOR: "1" }).terminal.color).toBe("always");
    expect(loadConfig({ FORCE_COLOR: "0" }).terminal.color).toBe("auto");
    expect(loadConfig({ TERM: "dumb" }).terminal).toEqual({ color: "auto", dumb: true });
  });

  it("colours a terminal only, never with NO_COLOR, and drops hyperlinks on a dumb terminal", () => {
    const red = (settings: Record<string, string>, streams = tty) =>
      terminalStyle(streams, loadConfig(settings).terminal).colors.red("x") !== "x";
    expect(red({})).toBe(true);
    expect(red({}, piped)).toBe(false);
    expect(red({ NO_COLOR: "1" })).toBe(false);
    expect(red({ FORCE_COLOR: "1" }, piped)).toBe(true);
    expect(red({ TERM: "dumb" })).toBe(false);
    expect(terminalStyle(tty, loadConfig({ TERM: "dumb" }).terminal).hyperlinks).toBe(false);
    expect(terminalStyle(tty, loadConfig({}).terminal).hyperlinks).toBe(true);
  });
});
