import { describe, expect, it } from "vitest";
import { COMMANDS, findCommand, helpLines } from "../../../src/cli/chat/commands.js";

describe("the slash commands table", () => {
  it("/help is generated from it: every command with its arguments and summary", () => {
    const help = helpLines(COMMANDS, ["show my unread email"], ["gmail", "google-calendar"]);
    for (const command of COMMANDS) {
      const row = help.find((line) => new RegExp(`^ {2}/${command.name}( |$)`).test(line));
      expect(row, command.name).toBeDefined();
      expect(row).toContain(command.summary.replace("{connectors}", "gmail, google-calendar"));
      if (command.args) expect(row).toContain(command.args);
    }
    const whileWaiting = help.find((line) => line.startsWith("While Delegate waits"));
    for (const command of COMMANDS) {
      expect(whileWaiting?.includes(`/${command.name},`) || whileWaiting?.includes(`/${command.name} `)).toBe(
        command.allowedWhileWaiting,
      );
    }
    expect(help.slice(-2)).toEqual([
      "The offline demo model understands requests such as:",
      "  show my unread email",
    ]);
  });

  it("/help names only the enabled connectors", () => {
    const help = helpLines(COMMANDS, [], ["gmail", "slack"]);
    const connect = help.find((line) => line.startsWith("  /connect "));
    expect(connect).toContain("(gmail, slack)");
    expect(connect).not.toContain("notion");
  });

  it("finds commands by name and alias; names are unique", () => {
    expect(findCommand("quit")?.name).toBe("exit");
    expect(findCommand("connections")?.name).toBe("connections");
    expect(findCommand("frobnicate")).toBeUndefined();
    const names = COMMANDS.flatMap((command) => [command.name, ...(command.aliases ?? [])]);
    expect(new Set(names).size).toBe(names.length);
  });
});
