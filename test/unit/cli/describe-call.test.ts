import { describe, expect, it } from "vitest";
import { describeCall } from "../../../src/cli/describe-call.js";
import { describeCall as describeReportCall } from "../../../src/cli/run/run-style.js";

const args = { query: "from:dana about the quarterly planning offsite agenda", max_results: 10, page: "" };

describe("a call on one line", () => {
  it("leaves out empty arguments", () => {
    expect(describeCall("gmail_search_messages", { query: "is:unread", page: "", x: null })).toBe(
      'gmail_search_messages(query: "is:unread")',
    );
    expect(describeCall("slack_list_channels", undefined)).toBe("slack_list_channels()");
  });

  it("in the REPL, cuts a long value at a word", () => {
    expect(describeCall("gmail_search_messages", args)).toBe(
      'gmail_search_messages(query: "from:dana about the quarterly planning…, max_results: 10)',
    );
  });

  it("in a script's report, has more room and cuts where the limit falls", () => {
    expect(
      describeReportCall("gmail_search_messages", { ...args, query: `${args.query} and the budget` }),
    ).toBe(
      'gmail_search_messages(query: "from:dana about the quarterly planning offsite agenda and …, max_results: 10)',
    );
  });
});
