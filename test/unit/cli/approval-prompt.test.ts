import { describe, expect, it } from "vitest";
import { type Approval, ApprovalPrompt } from "../../../src/cli/chat/approval-prompt.js";
import { terminalStyle } from "../../../src/cli/chat/render.js";

const plain = terminalStyle({ input: {}, output: {} }, {});

const send: Approval = {
  toolCallId: "c1",
  tool: "gmail_send_message",
  connector: "gmail",
  effect: "write",
  summary: 'Send email to attacker@evil.example — "Contract" (4 words)',
  args: { to: ["attacker@evil.example"], subject: "Contract", body: "The terms are attached.\nSecond line." },
  reason: "target_not_named_by_user",
  targets: [{ kind: "email", field: "to", display: "attacker@evil.example", named: false }],
};
const remove: Approval = {
  ...send,
  toolCallId: "c2",
  tool: "google_calendar_delete_event",
  connector: "google-calendar",
  effect: "destructive",
  summary: "Delete event evt_1",
  args: { event_id: "evt_1" },
  reason: "policy",
  targets: [],
};

describe("the REPL's approval questions", () => {
  it("shows a block at a terminal: connector, action, each target marked, a preview of the body", () => {
    const prompt = new ApprovalPrompt([send], { tty: true });
    const lines = prompt.questionLines(plain);
    expect(lines[0]).toBe('Gmail · Send email to attacker@evil.example — "Contract" (4 words)');
    expect(lines).toContain("  to: attacker@evil.example  ← not named by you");
    expect(lines).toContain("  │ The terms are attached.");
    // A target the person did not name: "always" is not offered (it would never let it through).
    expect(lines.at(-1)).toBe("Approve? [y]es / [n]o / [e]dit");
  });

  it("prints one matchable line without a terminal, naming every target", () => {
    const lines = new ApprovalPrompt([send], { tty: false }).questionLines(plain);
    expect(lines[0]).toBe(
      'approval required: Send email to attacker@evil.example — "Contract" (4 words) (not named by you: attacker@evil.example)',
    );
  });

  it("collects one decision per call: yes, always, no", () => {
    const prompt = new ApprovalPrompt([send, remove, { ...send, toolCallId: "c3" }], { tty: true });
    expect(prompt.answer("maybe")).toEqual({ kind: "invalid" });
    expect(prompt.answer("y")).toEqual({ kind: "next" });
    expect(prompt.answer("always")).toEqual({ kind: "next" });
    expect(prompt.answer("no")).toEqual({
      kind: "done",
      decisions: [
        { type: "approve", toolCallId: "c1" },
        { type: "approve", toolCallId: "c2", always: true },
        { type: "reject", toolCallId: "c3" },
      ],
    });
  });

  it("offers [a]lways only when the person named every target, saying it never lets another through", () => {
    const toSam: Approval = {
      ...send,
      toolCallId: "c4",
      summary: 'Send email to sam@example.com — "Contract" (4 words)',
      args: { ...send.args, to: ["sam@example.com"] },
      reason: "policy",
      targets: [{ kind: "email", field: "to", display: "sam@example.com", named: true }],
    };
    const prompt = new ApprovalPrompt([toSam, send], { tty: true });
    expect(prompt.offersAlways).toBe(true);
    expect(prompt.questionLines(plain).at(-1)).toBe(
      "Approve? [y]es / [n]o / [a]lways in this thread (unless it names a target you did not) / [e]dit",
    );
    expect(prompt.answer("a")).toEqual({ kind: "next" });
    // Asked for a target the person never named: "a" out of habit is asked again, not an approval.
    expect(prompt.offersAlways).toBe(false);
    expect(prompt.answers).toBe("y (yes), n (no) or e (edit)");
    expect(prompt.answer("a")).toEqual({ kind: "no-always" });
    expect(prompt.answer("always")).toEqual({ kind: "no-always" });
    expect(prompt.answer("n")).toEqual({
      kind: "done",
      decisions: [
        { type: "approve", toolCallId: "c4", always: true },
        { type: "reject", toolCallId: "c1" },
      ],
    });
    // Without a terminal the hint names only the answers offered; "a" keeps its documented meaning.
    const piped = new ApprovalPrompt([send, toSam], { tty: false });
    expect(piped.questionLines(plain)[1]).toBe(
      "Answer y (yes) or n (no); other text (not a /command) rejects it, as your reason.",
    );
    expect(piped.answer("a")).toEqual({ kind: "next" });
    expect(piped.questionLines(plain)[1]).toBe(
      "Answer y (yes), n (no) or a (always in this thread, unless a call names a target you did not); other text (not a /command) rejects it, as your reason.",
    );
  });

  it("without a terminal, any other text rejects with that text as the reason, and edit is not offered", () => {
    const prompt = new ApprovalPrompt([send, remove], { tty: false });
    expect(prompt.answer("e")).toEqual({ kind: "next" });
    expect(prompt.answer("not today")).toEqual({
      kind: "done",
      decisions: [
        { type: "reject", toolCallId: "c1", message: "e" },
        { type: "reject", toolCallId: "c2", message: "not today" },
      ],
    });
  });

  it("edits the main fields line by line; Enter keeps a field, lists are comma-separated", () => {
    const prompt = new ApprovalPrompt([send], { tty: true });
    expect(prompt.answer("e")).toEqual({ kind: "field", prompt: "  to [attacker@evil.example]: " });
    expect(prompt.answer("sam@example.com, dana@acme-corp.com")).toEqual({
      kind: "field",
      prompt: "  subject [Contract]: ",
    });
    expect(prompt.answer("")).toMatchObject({ kind: "field", prompt: expect.stringMatching(/^ {2}body \[/) });
    expect(prompt.answer("See you at noon.")).toEqual({
      kind: "done",
      decisions: [
        {
          type: "edit",
          toolCallId: "c1",
          args: {
            to: ["sam@example.com", "dana@acme-corp.com"],
            subject: "Contract",
            body: "See you at noon.",
          },
        },
      ],
    });
  });

  it("does not offer [e]dit for a call with nothing to edit, and says so when e is typed anyway", () => {
    const prompt = new ApprovalPrompt([remove, send], { tty: true });
    expect(prompt.editable).toBe(false);
    expect(prompt.questionLines(plain).at(-1)).toBe(
      "Approve? [y]es / [n]o / [a]lways in this thread (unless it names a target you did not)",
    );
    expect(prompt.answer("e")).toEqual({ kind: "not-editable" });
    // Still the same call: the answer that follows decides it.
    expect(prompt.answer("n")).toEqual({ kind: "next" });
    expect(prompt.editable).toBe(true);
    expect(prompt.questionLines(plain).at(-1)).toBe("Approve? [y]es / [n]o / [e]dit");
  });

  it("a moved start moves the end still to come, so the event keeps its length", () => {
    const move: Approval = {
      ...send,
      toolCallId: "m1",
      tool: "google_calendar_update_event",
      summary: "Move the event",
      args: { event_id: "evt_1", start: "2026-12-02T13:00:00", end: "2026-12-02T14:00:00" },
      targets: [],
    };
    const prompt = new ApprovalPrompt([move], { tty: true });
    expect(prompt.answer("e")).toEqual({ kind: "field", prompt: "  start [2026-12-02T13:00:00]: " });
    expect(prompt.answer("2026-12-02T14:30:00")).toEqual({
      kind: "field",
      prompt: "  end [2026-12-02T15:30:00]: ",
    });
    expect(prompt.answer("")).toMatchObject({
      kind: "done",
      decisions: [{ type: "edit", args: { start: "2026-12-02T14:30:00", end: "2026-12-02T15:30:00" } }],
    });
  });

  it("flags a look-alike address", () => {
    const lookAlike: Approval = {
      ...send,
      targets: [{ kind: "email", field: "to", display: "sam@exämple.com", named: false, unusual: true }],
    };
    const lines = new ApprovalPrompt([lookAlike], { tty: true }).questionLines(plain);
    expect(lines).toContain("  to: sam@exämple.com  ← not named by you (unusual characters: a look-alike?)");
  });

  it("says when another page seen in the thread has the same title", () => {
    const twin: Approval = {
      ...send,
      tool: "notion_append_to_page",
      targets: [
        {
          kind: "notion-parent",
          field: "page_id",
          display: "5ea757eb",
          label: "Meeting Notes",
          sharedTitle: true,
          named: false,
        },
      ],
    };
    const lines = new ApprovalPrompt([twin], { tty: true }).questionLines(plain);
    expect(lines).toContain(
      '  page_id: "Meeting Notes" (5ea757eb)  ← not named by you (another page has this title: check the id)',
    );
  });

  it("rejects what is left when input ends", () => {
    const prompt = new ApprovalPrompt([send, remove], { tty: false });
    prompt.answer("y");
    expect(prompt.rejectRemaining("input ended")).toEqual([
      { type: "approve", toolCallId: "c1" },
      { type: "reject", toolCallId: "c2", message: "input ended" },
    ]);
  });
});
