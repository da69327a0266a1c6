import { describe, expect, it } from "vitest";
import { formatProblem, loadScript, type ScriptProblem } from "../../../src/cli/run/script-loader.js";

function problems(text: string, file = "s.yaml"): ScriptProblem[] {
  const result = loadScript(text, file);
  if (result.ok)
    throw new Error(`expected problems, the script loaded: ${JSON.stringify(result.loaded.script)}`);
  return result.problems;
}

function only(text: string, file = "s.yaml"): ScriptProblem {
  const found = problems(text, file);
  expect(found.map((problem) => `${problem.line}:${problem.column} ${problem.message}`)).toHaveLength(1);
  return found[0]!;
}

const VALID = `name: demo
user: alice
sandbox:
  connected: [gmail]
turns:
  - user: show my unread email
    expect:
      tools:
        - gmail_search_messages
        - name: gmail_get_message
          args: { message_id: { matches: "^[0-9a-f]+$" }, max: 3 }
          result: success
      not_tools: [gmail_send_message]
      interrupt: false
      reply: { contains: [unread, Gmail], matches: "/messages/i" }
  - auth: revoke
    connectors: [gmail]
  - auth: approve
    expect:
      interrupt: { connectors: [gmail, slack], reason: token_rejected, new_links: true }
`;

describe("loadScript", () => {
  it("loads a valid YAML script with defaults and locates its parts", () => {
    const result = loadScript(VALID, "demo.yaml");
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join("\n"));
    const { script, locate } = result.loaded;
    expect(script.user).toBe("alice");
    expect(script.model).toBe("offline");
    expect(script.sandbox?.connected).toEqual(["gmail"]);
    expect(script.turns).toHaveLength(3);
    expect(locate(["turns", 1])).toEqual({ line: 16, column: 5 });
    expect(locate(["turns", 0, "expect", "tools", 1])).toEqual({ line: 10, column: 11 });
    expect(locate(["turns", 2, "expect", "interrupt"])).toEqual({ line: 20, column: 18 });
  });

  it("reads JSON with the same shape and locates its values", () => {
    const json = `{
  "user": "alice",
  "turns": [
    { "user": "hi", "expect": { "reply": { "contains": "hello" } } }
  ]
}`;
    const result = loadScript(json, "demo.json");
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join("\n"));
    expect(result.loaded.script.turns[0]).toEqual({ user: "hi", expect: { reply: { contains: "hello" } } });
    expect(result.loaded.locate(["turns", 0, "expect", "reply"])).toEqual({ line: 4, column: 42 });
  });

  it("reports an unknown key at the key, with a suggestion and the allowed keys", () => {
    const problem = only("user: alice\nturns:\n  - user: hi\n    expct: {}\n");
    expect(problem).toMatchObject({ file: "s.yaml", line: 4, column: 5 });
    expect(problem.message).toBe(
      'turns[0]: unknown key "expct" (did you mean "expect"?); allowed: user, expect',
    );
  });

  it("a turn whose kind is misspelt points at the key and names the kind meant", () => {
    const problem = only("user: alice\nturns:\n  - usr: hello\n");
    expect(problem).toMatchObject({ line: 3, column: 5 });
    expect(problem.message).toBe(
      'turns[0]: unknown key "usr" (did you mean "user"?); a turn is a message (user:), an authorization action (auth:) or a decision (approve: / reject:)',
    );
    expect(only("user: a\nturns:\n  - approv: all\n").message).toContain('(did you mean "approve"?)');
  });

  it("an alias to no anchor says so, at the alias (not as an alias bomb)", () => {
    const problem = only("user: alice\ndescription: *nope\nturns:\n  - user: hi\n");
    expect(problem).toMatchObject({ line: 2, column: 14 });
    expect(problem.message).toBe("invalid YAML: *nope refers to no anchor (an &nope must come before it)");
  });

  it("reports an unknown top-level key", () => {
    const problem = only("user: alice\nmodle: offline\nturns:\n  - user: hi\n");
    expect(problem).toMatchObject({ line: 2, column: 1 });
    expect(problem.message).toContain('unknown key "modle" (did you mean "model"?)');
  });

  it("reports a wrong type at the value", () => {
    const problem = only(
      "user: alice\nturns:\n  - user: hi\n    expect:\n      not_tools: gmail_send_message\n",
    );
    expect(problem).toMatchObject({ line: 5, column: 18 });
    expect(problem.message).toBe('turns[0].expect.not_tools: expected a list, got "gmail_send_message"');
  });

  it("reports missing turns at the document", () => {
    const problem = only("user: alice\n");
    expect(problem).toMatchObject({ line: 1, column: 1 });
    expect(problem.message).toBe('script: missing "turns" (a list)');
  });

  it("reports an empty turn list and an empty file", () => {
    expect(only("user: alice\nturns: []\n").message).toBe("turns: a script needs at least one turn");
    expect(only("").message).toContain("the script is empty");
  });

  it("reports broken YAML with its position", () => {
    const problem = only("user: alice\nturns:\n  - user: hi\n   bad: [1\n");
    expect(problem.message).toMatch(/^invalid YAML: /);
    expect(problem.line).toBeGreaterThanOrEqual(4);
  });

  it("reports duplicate YAML keys", () => {
    const problem = only("user: alice\nuser: bob\nturns:\n  - user: hi\n");
    expect(problem).toMatchObject({ line: 2, column: 1 });
    expect(problem.message).toMatch(/unique/);
  });

  it("reports broken JSON at the offending character", () => {
    const problem = only('{\n  "user": "alice",\n  "turns": [\n    { "user": "hi" },\n  ]\n}\n', "s.json");
    expect(problem).toMatchObject({ file: "s.json", line: 5, column: 3 });
    expect(problem.message).toBe('invalid JSON: expected a value, found "]"');
  });

  it("reports JSON schema problems at their key", () => {
    const problem = only(
      '{\n  "user": "alice",\n  "turns": [\n    { "user": "hi", "bogus": 1 }\n  ]\n}\n',
      "s.json",
    );
    expect(problem).toMatchObject({ line: 4, column: 21 });
    expect(problem.message).toContain('unknown key "bogus"');
  });

  it("picks the turn kind the author meant", () => {
    expect(only("user: a\nturns:\n  - auth: aprove\n").message).toBe(
      'turns[0].auth: "aprove" is not one of approve, deny, cancel, wait, expire, revoke, recheck (did you mean "approve"?)',
    );
    expect(only("user: a\nturns:\n  - user: 5\n").message).toBe(
      "turns[0].user: expected a string, got number 5",
    );
    expect(only("user: a\nturns:\n  - user: hi\n    auth: approve\n").message).toContain("not both");
    expect(only("user: a\nturns:\n  - {}\n").message).toContain(
      "{ user: <message> }, { auth: <action> }, { approve: all | [tools] } or { reject: all | [tools] }",
    );
  });

  it("reads approve and reject turns and approval expectations", () => {
    const result = loadScript(
      `user: a
turns:
  - user: cancel my lunch with Sam tomorrow
    expect:
      approval: { tools: [google_calendar_delete_event], targets: [sam@example.com], reason: policy }
  - reject: all
    reason: I still want to go
    expect: { approval: false }
  - approve: [gmail_send_message, slack_post_message]
`,
      "s.yaml",
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.loaded.script.turns.slice(1)).toEqual([
      { reject: "all", reason: "I still want to go", expect: { approval: false } },
      { approve: ["gmail_send_message", "slack_post_message"] },
    ]);
    expect(result.loaded.script.turns[0]?.expect?.approval).toEqual({
      tools: ["google_calendar_delete_event"],
      targets: ["sam@example.com"],
      reason: "policy",
    });
  });

  it("explains mistakes in approve and reject turns", () => {
    expect(only("user: a\nturns:\n  - approve: some\n").message).toBe(
      'turns[0].approve: expected all, or a list of tool names, got "some"',
    );
    expect(only("user: a\nturns:\n  - approve: all\n    reason: no\n").message).toBe(
      'turns[0]: unknown key "reason"; allowed: approve, expect',
    );
    expect(only("user: a\nturns:\n  - reject: all\n    reasn: no\n").message).toContain(
      '(did you mean "reason"?)',
    );
    expect(only("user: a\nturns:\n  - approve: all\n    reject: all\n").message).toContain(
      "not both approve: and reject:",
    );
    expect(only("user: a\nturns:\n  - user: hi\n    expect: { approval: true }\n").message).toBe(
      "turns[0].expect.approval: expected false (no approval asked for) or { tools?, targets?, reason? }, got boolean true",
    );
  });

  it("refuses a YAML alias bomb at the first alias, without expanding it", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (const name of ["b", "c", "d", "e", "f", "g"]) {
      const previous = levels.at(-1)!.slice(0, 1);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(", ")}]`);
    }
    const problem = only(`user: alice\n${levels.join("\n")}\nturns:\n  - user: hi\n`);
    expect(problem).toMatchObject({ line: 3, column: 8 });
    expect(problem.message).toBe(
      "invalid YAML: too many alias expansions (at most 100); write the values out instead of repeating them with *aliases",
    );
  });

  it("checks auth turn rules, connectors and regular expressions", () => {
    expect(only("user: a\nturns:\n  - auth: revoke\n").message).toContain("`revoke` needs `connectors`");
    expect(only("user: a\nturns:\n  - auth: cancel\n    connectors: [gmail]\n").message).toContain(
      "remove `connectors`",
    );
    const typo = only("user: a\nsandbox: { connected: [slak] }\nturns:\n  - user: hi\n");
    expect(typo).toMatchObject({ line: 2, column: 24 });
    expect(typo.message).toContain('(did you mean "slack"?)');
    const regex = only('user: a\nturns:\n  - user: hi\n    expect: { reply: { matches: "(" } }\n');
    expect(regex.message).toMatch(/^turns\[0\]\.expect\.reply\.matches: invalid regular expression/);
    const argRegex = only(
      'user: a\nturns:\n  - user: hi\n    expect: { tools: [{ name: x, args: { q: { matches: "[" } } }] }\n',
    );
    expect(argRegex.message).toMatch(/args\.q\.matches: invalid regular expression/);
  });

  it("explains a message cut short by a YAML comment", () => {
    const problem = only("user: a\nturns:\n  - user: what's new in #engineering\n");
    expect(problem).toMatchObject({ line: 3, column: 25 });
    expect(problem.message).toContain('"#engineering" starts a YAML comment');
    // A spaced comment after a value is an ordinary comment.
    expect(loadScript("user: a\nturns:\n  - user: hi # greet\n", "s.yaml").ok).toBe(true);
  });

  it("reports every problem once, in file order", () => {
    const found = problems("user: 3\nturns:\n  - user: hi\n    extra: 1\n  - auth: nope\n");
    expect(found.map((problem) => problem.line)).toEqual([1, 4, 5]);
  });

  it("formats a problem as file:line:column with a caret", () => {
    const text = formatProblem(only("user: alice\nturns:\n  - user: hi\n    expct: {}\n"));
    expect(text.split("\n")).toEqual([
      's.yaml:4:5: turns[0]: unknown key "expct" (did you mean "expect"?); allowed: user, expect',
      "      expct: {}",
      "      ^",
    ]);
  });
});
