import { describe, expect, it } from "vitest";
import { APPROVE_QUESTION, type Approval, ApprovalPrompt } from "../../../src/cli/chat/approval-prompt.js";
import { terminalStyle } from "../../../src/cli/chat/render.js";

const style = terminalStyle({ input: {}, output: {} }, {});

function approval(toolCallId: string, overrides: Partial<Approval> = {}): Approval {
  return {
    toolCallId,
    tool: "gmail_send_message",
    connector: "gmail",
    effect: "write",
    summary: `Send an email (${toolCallId})`,
    args: {},
    reason: "policy",
    targets: [],
    ...overrides,
  };
}

describe("approval questions", () => {
  it("asks one call at a time and adds the answers up to decisions", () => {
    const prompt = new ApprovalPrompt([approval("a"), approval("b"), approval("c")]);
    expect(prompt.questionLines(style)).toEqual([
      "Delegate would like to: Send an email (a)",
      APPROVE_QUESTION,
    ]);
    expect(prompt.answer("what?")).toEqual({ kind: "invalid" });
    expect(prompt.answer("e")).toEqual({ kind: "edit-unsupported" });
    expect(prompt.answer("y")).toEqual({ kind: "next" });
    expect(prompt.questionLines(style)[0]).toContain("(b)");
    expect(prompt.answer("always")).toEqual({ kind: "next" });
    expect(prompt.answer("n")).toEqual({
      kind: "done",
      decisions: [
        { type: "approve", toolCallId: "a" },
        { type: "approve", toolCallId: "b", always: true },
        { type: "reject", toolCallId: "c" },
      ],
    });
  });

  it("says when a target did not come from the person, or looks like another", () => {
    const prompt = new ApprovalPrompt([
      approval("a", {
        reason: "target_not_named_by_user",
        targets: [{ kind: "email", field: "to", display: "sam@exämple.com", named: false, unusual: true }],
      }),
    ]);
    expect(prompt.questionLines(style)).toEqual([
      "Delegate would like to: Send an email (a)",
      "  (sam@exämple.com did not come from you)",
      "  (an address has unusual characters: check it is not a look-alike)",
      APPROVE_QUESTION,
    ]);
  });
});
