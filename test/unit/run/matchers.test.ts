import { describe, expect, it } from "vitest";
import { containsText, describeExpected, mismatch } from "../../../src/cli/run/matchers.js";
import { compilePattern } from "../../../src/cli/run/patterns.js";

describe("argument matchers", () => {
  it("compares literals for equality", () => {
    expect(mismatch(10, 10, "args.max")).toBeUndefined();
    expect(mismatch(10, "10", "args.max")).toBe('args.max: expected 10, got "10"');
    expect(mismatch("#team", "#general", "args.channel")).toBe(
      'args.channel: expected "#team", got "#general"',
    );
    expect(mismatch(true, undefined, "args.flag")).toBe("args.flag: expected true, got nothing");
  });

  it("matches regular expressions, with /…/flags", () => {
    expect(mismatch({ matches: "^is:" }, "is:unread", "q")).toBeUndefined();
    expect(mismatch({ matches: "UNREAD" }, "is:unread", "q")).toMatch(/expected to match \/UNREAD\//);
    expect(mismatch({ matches: "/UNREAD/i" }, "is:unread", "q")).toBeUndefined();
    // Non-strings are matched by their JSON text; a missing value never matches.
    expect(mismatch({ matches: '^\\["sam@' }, ["sam@example.com"], "to")).toBeUndefined();
    expect(mismatch({ matches: ".*" }, undefined, "to")).toBe("to: expected to match /.*/, got nothing");
  });

  it("checks containment case-insensitively in strings and lists", () => {
    expect(mismatch({ contains: "NOON" }, "See you at noon", "body")).toBeUndefined();
    expect(mismatch({ contains: "sam@" }, ["bob@example.com", "sam@example.com"], "to")).toBeUndefined();
    expect(mismatch({ contains: "zed" }, ["bob@example.com"], "to")).toBe(
      'to: expected to contain "zed", got ["bob@example.com"]',
    );
    expect(containsText({ nested: "Value" }, "value")).toBe(true);
    expect(containsText(undefined, "x")).toBe(false);
  });

  it("treats mappings as subsets and lists element by element, recursively", () => {
    const actual = { to: ["sam@example.com"], subject: "Lunch", extra: 1 };
    expect(
      mismatch({ to: [{ contains: "sam" }], subject: { matches: "/lunch/i" } }, actual, "args"),
    ).toBeUndefined();
    expect(mismatch({ to: ["sam@example.com", "x@y.z"] }, actual, "args")).toBe(
      'args.to: expected 2 items, got ["sam@example.com"]',
    );
    expect(mismatch({ subject: "Dinner" }, actual, "args")).toBe(
      'args.subject: expected "Dinner", got "Lunch"',
    );
    expect(mismatch({ a: 1 }, "text", "args")).toBe('args: expected a mapping, got "text"');
  });

  it("describes expectations as they read in a report", () => {
    expect(describeExpected({ to: [{ contains: "sam" }], q: { matches: "/x/i" }, n: 3 })).toBe(
      '{ to: [contains "sam"], q: matches /x/i, n: 3 }',
    );
  });

  it("validates patterns", () => {
    expect(compilePattern("/a+/i")).toEqual(/a+/i);
    expect(compilePattern("(")).toMatch(/^invalid regular expression/);
    expect(compilePattern("/x/g")).toMatch(/flag "g" is not allowed/);
    expect(compilePattern("")).toBe("the regular expression is empty");
  });
});
