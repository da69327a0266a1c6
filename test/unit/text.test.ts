import { describe, expect, it } from "vitest";
import { clip, oneLine, truncate } from "../../src/text.js";

describe("clip", () => {
  it("leaves a text that fits as it is", () => {
    expect(clip("short", 5)).toBe("short");
    expect(clip("", 3)).toBe("");
  });

  it("cuts exactly at the limit, ellipsis included, even inside a word", () => {
    expect(clip("abcdefgh", 5)).toBe("abcd…");
    expect(clip('{"query":"is:unread"}', 10)).toBe('{"query":…');
    expect(clip("hello world", 8)).toHaveLength(8);
  });

  it("keeps trailing spaces and line breaks before the cut", () => {
    expect(clip("ab  cdef", 4)).toBe("ab …");
    expect(clip("a\nbcdef", 3)).toBe("a\n…");
  });
});

describe("truncate", () => {
  it("cuts at a space near the end and says it cut", () => {
    expect(truncate("hello world again", 14)).toEqual({ text: "hello world…", truncated: true });
    expect(truncate("fits", 4)).toEqual({ text: "fits", truncated: false });
  });

  it("cuts a long word where it reaches the limit", () => {
    expect(truncate("x".repeat(20), 10).text).toBe(`${"x".repeat(9)}…`);
  });
});

describe("oneLine", () => {
  it("folds whitespace before cutting", () => {
    expect(oneLine("a\n\n b\tc", 20)).toBe("a b c");
  });
});
