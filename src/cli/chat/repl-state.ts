/**
 * The REPL's states and every legal move between them, as data: the controller asks this module
 * what a line, a Ctrl+C or a runtime event means in the current state, and does it. Pure; no I/O.
 *
 *   idle ──send──▶ turn ──authorization-required──▶ waiting ──cancel──▶ cancelling
 *    ▲ ◀─command─▶ command    ◀──wait-resolved── waiting / cancelling ◀┘
 *    └──────────── turn-ended (from turn, waiting, approving or cancelling)
 *   turn ──approval-required──▶ approving ──approval-decided──▶ turn   (calls to approve)
 */

export type ReplState =
  /** Nothing running: the prompt is shown and a line is sent or run at once. */
  | "idle"
  /** A slash command is running (e.g. a Scalekit call); lines are held until it ends. */
  | "command"
  /** A turn is running (streaming, tools); lines are held until it ends. */
  | "turn"
  /** The turn waits for an account to be connected; some commands run, other lines are held. */
  | "waiting"
  /** The turn waits for the person to approve, reject or edit calls; answers are lines. */
  | "approving"
  /** A cancel of the wait was sent; the turn goes on with the model's explanation. */
  | "cancelling"
  /** /exit, Ctrl+D or the end of input: nothing more happens. */
  | "closed";

export type ReplEvent =
  | "command-started"
  | "command-finished"
  | "turn-started"
  | "authorization-required"
  | "approval-required"
  | "approval-decided"
  | "cancel-requested"
  | "wait-resolved"
  | "turn-ended"
  | "exit";

const BUSY_END = { "turn-ended": "idle", exit: "closed" } as const;

/** The transition table: a missing entry is an illegal move (the controller ignores and logs it). */
export const TRANSITIONS: Readonly<Record<ReplState, Partial<Record<ReplEvent, ReplState>>>> = {
  idle: { "command-started": "command", "turn-started": "turn", exit: "closed" },
  command: { "command-finished": "idle", exit: "closed" },
  turn: {
    ...BUSY_END,
    "authorization-required": "waiting",
    "approval-required": "approving",
    // A run can report a wait's end without having shown the wait (e.g. a resumed thread).
    "wait-resolved": "turn",
  },
  waiting: {
    ...BUSY_END,
    // A re-raised request (fresh links, or one account of two connected) keeps waiting.
    "authorization-required": "waiting",
    "approval-required": "approving",
    "cancel-requested": "cancelling",
    "wait-resolved": "turn",
  },
  approving: {
    ...BUSY_END,
    "approval-decided": "turn",
    // Asked again (e.g. an edit was refused), or the same wait raised again on a recheck.
    "approval-required": "approving",
    "cancel-requested": "cancelling",
    "wait-resolved": "turn",
  },
  cancelling: {
    ...BUSY_END,
    "wait-resolved": "turn",
    // The cancel lost a race with the connection: the thread may ask again.
    "authorization-required": "waiting",
    "approval-required": "approving",
  },
  closed: {},
};

/** The next state, or undefined when `event` is not legal in `state`. */
export function transition(state: ReplState, event: ReplEvent): ReplState | undefined {
  return TRANSITIONS[state][event];
}

/** A line typed or piped in, as the controller classifies it before asking what to do with it. */
export interface LineFacts {
  /** The command when the line starts with "/" (an unknown one is allowed nothing). */
  command?: { allowedWhileWaiting: boolean; exits?: boolean };
  tty: boolean;
  /** Lines already held, waiting their turn. */
  held: number;
}

export type LineDisposition =
  /** Send the message to the agent now. */
  | "send"
  /** Run the command now, as the REPL's current activity (input is held meanwhile). */
  | "run"
  /** Run the command now, alongside the wait (the wait goes on). */
  | "run-alongside"
  /** Keep the line and handle it when the current activity ends. */
  | "hold"
  /** Leave now (at a terminal /exit does not wait behind anything). */
  | "exit-now"
  /** The line answers an approval question. */
  | "answer"
  | "ignore";

export function lineDisposition(state: ReplState, line: LineFacts): LineDisposition {
  const { command } = line;
  switch (state) {
    case "closed":
      return "ignore";
    case "idle":
      return command ? "run" : "send";
    case "approving":
      if (command?.exits && line.tty) return "exit-now";
      // In order with the answers: see approvalLineAction for what a command does there.
      return "answer";
    case "waiting":
      if (command?.exits && line.tty) return "exit-now";
      // Piped input is handled in order: an /exit behind held lines waits for them.
      if (command?.allowedWhileWaiting && !(command.exits && line.held > 0)) return "run-alongside";
      return "hold";
    default:
      return command?.exits && line.tty ? "exit-now" : "hold";
  }
}

/**
 * A line at an approval question, in its turn: a command stays a command (never an answer, so a
 * stray "/connections" neither rejects a call nor leaves the question unseen). Commands that run
 * while waiting run and the question is asked again; /exit leaves it for later; others wait for
 * the turn to end.
 */
export type ApprovalLineAction = "answer" | "run" | "exit" | "keep";

export function approvalLineAction(command: LineFacts["command"]): ApprovalLineAction {
  if (!command) return "answer";
  if (command.exits) return "exit";
  return command.allowedWhileWaiting ? "run" : "keep";
}

export type InterruptAction =
  /** Stop waiting for the connection (the agent explains what it did not do). */
  | "cancel-wait"
  /** Drop what was typed, like a shell. */
  | "clear-input"
  /** Say how to quit; a second Ctrl+C soon after quits. */
  | "warn"
  | "exit";

/** What Ctrl+C (at a terminal) or SIGINT (without one) does. */
export function interruptAction(
  state: ReplState,
  facts: { tty: boolean; typed: boolean; secondPress: boolean },
): InterruptAction {
  if (state === "waiting" || state === "approving") return "cancel-wait";
  if (!facts.tty) return "exit";
  if (state === "idle" && facts.typed) return "clear-input";
  return facts.secondPress ? "exit" : "warn";
}

/**
 * The exit code: at a terminal quitting is never a failure (0); without one 130 once a SIGINT
 * arrived (even one that only cancelled a wait), else 1 if a turn failed, else 0. Usage and
 * configuration errors (2) end the command before the REPL starts.
 */
export function exitCode(facts: { tty: boolean; failures: number; interrupted: boolean }): number {
  if (facts.tty) return 0;
  if (facts.interrupted) return 130;
  return facts.failures > 0 ? 1 : 0;
}

/** One answer to an approval question (`Approve? [y]es / [n]o / [a]lways in this thread … / [e]dit`). */
export type ApprovalAnswer = "approve" | "reject" | "always" | "edit";

export function parseApprovalAnswer(line: string): ApprovalAnswer | undefined {
  switch (line.trim().toLowerCase()) {
    case "y":
    case "yes":
      return "approve";
    case "n":
    case "no":
      return "reject";
    case "a":
    case "always":
      return "always";
    case "e":
    case "edit":
      return "edit";
    default:
      return undefined;
  }
}
