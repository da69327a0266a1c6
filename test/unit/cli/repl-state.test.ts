import { describe, expect, it } from "vitest";
import {
  approvalLineAction,
  exitCode,
  interruptAction,
  lineDisposition,
  parseApprovalAnswer,
  type ReplEvent,
  type ReplState,
  TRANSITIONS,
  transition,
} from "../../../src/cli/chat/repl-state.js";

const STATES = Object.keys(TRANSITIONS) as ReplState[];
const EVENTS: ReplEvent[] = [
  "command-started",
  "command-finished",
  "turn-started",
  "authorization-required",
  "approval-required",
  "approval-decided",
  "cancel-requested",
  "wait-resolved",
  "turn-ended",
  "exit",
];

describe("the REPL's state machine", () => {
  it("walks a turn that waits for a connection, is cancelled, and ends", () => {
    const path: ReplEvent[] = [
      "turn-started",
      "authorization-required",
      "authorization-required", // fresh links: still waiting
      "cancel-requested",
      "wait-resolved",
      "turn-ended",
    ];
    const states: ReplState[] = [];
    let state: ReplState = "idle";
    for (const event of path) {
      const next = transition(state, event);
      expect(next, `${event} in ${state}`).toBeDefined();
      state = next as ReplState;
      states.push(state);
    }
    expect(states).toEqual(["turn", "waiting", "waiting", "cancelling", "turn", "idle"]);
  });

  it("reserves approvals: a turn asks, the person decides, the turn goes on (or is cancelled)", () => {
    expect(transition("turn", "approval-required")).toBe("approving");
    expect(transition("approving", "approval-decided")).toBe("turn");
    expect(transition("approving", "cancel-requested")).toBe("cancelling");
    expect(transition("approving", "turn-ended")).toBe("idle");
  });

  it("a command runs from idle and returns there; nothing starts while busy", () => {
    expect(transition("idle", "command-started")).toBe("command");
    expect(transition("command", "command-finished")).toBe("idle");
    for (const busy of ["command", "turn", "waiting", "approving", "cancelling"] as const) {
      expect(transition(busy, "turn-started"), busy).toBeUndefined();
      expect(transition(busy, "command-started"), busy).toBeUndefined();
    }
  });

  it("only a wait can be cancelled, and closed is final", () => {
    for (const state of STATES) {
      const cancellable = state === "waiting" || state === "approving";
      expect(transition(state, "cancel-requested") !== undefined, state).toBe(cancellable);
      if (state !== "closed") expect(transition(state, "exit"), state).toBe("closed");
    }
    for (const event of EVENTS) expect(transition("closed", event)).toBeUndefined();
  });

  it("every target of the table is a state", () => {
    for (const moves of Object.values(TRANSITIONS)) {
      for (const target of Object.values(moves)) expect(STATES).toContain(target);
    }
  });
});

describe("what a line does", () => {
  const message = { tty: false, held: 0 };
  const cancel = { allowedWhileWaiting: true };
  const user = { allowedWhileWaiting: false };
  const exit = { allowedWhileWaiting: true, exits: true };

  it("idle: a message is sent, a command runs", () => {
    expect(lineDisposition("idle", message)).toBe("send");
    expect(lineDisposition("idle", { ...message, command: user })).toBe("run");
  });

  it("while waiting: allowed commands run alongside, the rest is held", () => {
    expect(lineDisposition("waiting", { ...message, command: cancel })).toBe("run-alongside");
    expect(lineDisposition("waiting", { ...message, command: user })).toBe("hold");
    expect(lineDisposition("waiting", message)).toBe("hold");
  });

  it("piped /exit waits behind held lines; at a terminal /exit leaves at once", () => {
    expect(lineDisposition("waiting", { tty: false, held: 1, command: exit })).toBe("hold");
    expect(lineDisposition("waiting", { tty: false, held: 0, command: exit })).toBe("run-alongside");
    expect(lineDisposition("turn", { tty: false, held: 0, command: exit })).toBe("hold");
    for (const state of ["turn", "command", "waiting", "cancelling", "approving"] as const) {
      expect(lineDisposition(state, { tty: true, held: 2, command: exit }), state).toBe("exit-now");
    }
  });

  it("a busy REPL holds everything else; a closed one ignores it", () => {
    for (const state of ["turn", "command", "cancelling"] as const) {
      expect(lineDisposition(state, message)).toBe("hold");
      expect(lineDisposition(state, { ...message, command: cancel })).toBe("hold");
    }
    expect(lineDisposition("closed", message)).toBe("ignore");
  });

  it("while approving, a line answers the question", () => {
    expect(lineDisposition("approving", message)).toBe("answer");
    // Commands stay commands there: never an answer (nor a rejection's reason).
    expect(approvalLineAction(undefined)).toBe("answer");
    expect(approvalLineAction(cancel)).toBe("run");
    expect(approvalLineAction(exit)).toBe("exit");
    expect(approvalLineAction({ allowedWhileWaiting: false })).toBe("keep");
    expect(parseApprovalAnswer(" Y ")).toBe("approve");
    expect(parseApprovalAnswer("n")).toBe("reject");
    expect(parseApprovalAnswer("always")).toBe("always");
    expect(parseApprovalAnswer("e")).toBe("edit");
    expect(parseApprovalAnswer("maybe")).toBeUndefined();
  });
});

describe("Ctrl+C and exit codes", () => {
  it("Ctrl+C cancels a wait; otherwise clears input, warns, then quits at a terminal", () => {
    const facts = { tty: true, typed: false, secondPress: false };
    expect(interruptAction("waiting", facts)).toBe("cancel-wait");
    expect(interruptAction("waiting", { ...facts, tty: false })).toBe("cancel-wait");
    expect(interruptAction("idle", { ...facts, typed: true })).toBe("clear-input");
    expect(interruptAction("turn", facts)).toBe("warn");
    expect(interruptAction("turn", { ...facts, secondPress: true })).toBe("exit");
    expect(interruptAction("idle", { ...facts, tty: false })).toBe("exit");
  });

  it("without a terminal: 130 after SIGINT (even one that only cancelled a wait), 1 after a failed turn, else 0", () => {
    expect(exitCode({ tty: false, failures: 0, interrupted: false })).toBe(0);
    expect(exitCode({ tty: false, failures: 2, interrupted: false })).toBe(1);
    expect(exitCode({ tty: false, failures: 2, interrupted: true })).toBe(130);
    expect(exitCode({ tty: true, failures: 2, interrupted: false })).toBe(0);
  });
});
