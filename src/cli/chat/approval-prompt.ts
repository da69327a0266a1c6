import type { AgentRuntime, RuntimeEvent } from "../../index.js";
import { oneLine, stripControls, type TerminalStyle } from "./render.js";
import { parseApprovalAnswer } from "./repl-state.js";

/** A call the person decides on, as the runtime asks for it. */
export type Approval = Extract<RuntimeEvent, { type: "authorization-required" }>["approvals"][number];
export type Decision = Parameters<AgentRuntime["decide"]>[0]["decisions"][number];

/**
 * "Always" allows the tool for the rest of the thread as `auto` does: a later call still asks
 * when it names a target the person did not name. The option says so, and is offered only for a
 * call whose targets the person all named: on one asked about for a foreign target, "always"
 * would read as letting that target through, which it never does.
 */
const ALWAYS = "[a]lways in this thread (unless it names a target you did not)";

/**
 * `Approve? [y]es / [n]o / [a]lways … / [e]dit`, without "always" for a call naming a target the
 * person did not name, and without "edit" for a call with nothing to edit (e.g. a delete by id).
 */
function approveQuestion(always: boolean, edit: boolean): string {
  return ["Approve? [y]es", "[n]o", ...(always ? [ALWAYS] : []), ...(edit ? ["[e]dit"] : [])].join(" / ");
}

/** Arguments a person can edit line by line: text and lists of text (recipients, channel, body…). */
const EDITABLE =
  /^(to|cc|bcc|subject|body|channel|text|title|content|description|location|start|end|attendees|parent_page_id|page_id)$/;

export type AnswerOutcome =
  | { kind: "invalid" }
  /** `e` for a call with no field a person can edit. */
  | { kind: "not-editable" }
  /** `a` at a terminal, for a call naming a target the person did not name (see `ALWAYS`). */
  | { kind: "no-always" }
  /** The next line is the new value of a field (editing). */
  | { kind: "field"; prompt: string }
  | { kind: "next" }
  | { kind: "done"; decisions: Decision[] };

interface Editing {
  fields: string[];
  args: Record<string, unknown>;
}

/**
 * The questions of one approval request, one call at a time, and the decisions they add up to.
 * Answers come as lines (typed or piped), so scripts can answer too. At a terminal an unknown
 * answer is asked again and `e` edits the call's main fields; without one (`tty: false`) only y,
 * yes, n, no and a are answers, and any other text rejects the call with that text as the reason.
 */
export class ApprovalPrompt {
  readonly #queue: Approval[];
  readonly #decisions: Decision[] = [];
  readonly #tty: boolean;
  #editing: Editing | undefined;

  constructor(approvals: readonly Approval[], options: { tty: boolean }) {
    this.#queue = [...approvals];
    this.#tty = options.tty;
  }

  get pending(): readonly Approval[] {
    return this.#queue;
  }

  /** What the next line answers: the field being edited, else the approval question. */
  get asking(): string {
    return this.#editing?.fields[0] ?? "approve";
  }

  /** While editing, the prompt of the field the next line sets. */
  get fieldPrompt(): string | undefined {
    const field = this.#editing?.fields[0];
    return field === undefined ? undefined : fieldPrompt(field, this.#editing?.args ?? {});
  }

  /** Whether the call now being decided has a field `e` could edit. */
  get editable(): boolean {
    const approval = this.#queue[0];
    return approval !== undefined && editableFields(approval).length > 0;
  }

  /** Whether "always" is offered for the call now being decided: every target it names is the person's. */
  get offersAlways(): boolean {
    return this.#queue[0]?.targets.every((target) => target.named) ?? false;
  }

  /** The answers the call now being decided takes, for a line that says which. */
  get answers(): string {
    const choices = [
      "y (yes)",
      "n (no)",
      ...(this.offersAlways ? ["a (always in this thread, unless a call names a target you did not)"] : []),
      ...(this.#tty && this.editable ? ["e (edit)"] : []),
    ];
    return `${choices.slice(0, -1).join(", ")} or ${choices.at(-1)}`;
  }

  /** The block for the call now being decided, then the question. */
  questionLines(style: TerminalStyle): string[] {
    const approval = this.#queue[0];
    if (!approval) return [];
    const { colors } = style;
    const clean = (text: string, max = 300) => stripControls(oneLine(text, max));
    if (!this.#tty) {
      // One line a script can match, naming every target (the summary does), then the question.
      const foreign = approval.targets.filter((target) => !target.named).map((target) => target.display);
      return [
        `approval required: ${clean(approval.summary, 500)}${foreign.length ? ` (not named by you: ${clean(foreign.join(", "))})` : ""}`,
        `Answer ${this.answers}; other text (not a /command) rejects it, as your reason.`,
      ];
    }
    const lines = [
      colors.bold(`${approval.connector ? `${label(approval.connector)} · ` : ""}${clean(approval.summary)}`),
    ];
    for (const target of approval.targets) {
      const shown = clean(target.label ? `"${target.label}" (${target.display})` : target.display, 120);
      const mark = target.named
        ? colors.green(`  ${target.field}: ${shown}`)
        : colors.yellow(colors.bold(`  ${target.field}: ${shown}  ← not named by you`));
      const warnings = [
        ...(target.unusual ? ["unusual characters: a look-alike?"] : []),
        ...(target.sharedTitle
          ? [`another ${target.kind === "calendar-event" ? "event" : "page"} has this title: check the id`]
          : []),
      ];
      lines.push(warnings.length ? `${mark} ${colors.red(`(${warnings.join("; ")})`)}` : mark);
    }
    const preview = bodyPreview(approval.args);
    if (preview) for (const line of preview) lines.push(colors.dim(`  │ ${stripControls(line)}`));
    if (approval.error) lines.push(colors.red(`  (your edit was not accepted: ${clean(approval.error)})`));
    lines.push(approveQuestion(this.offersAlways, this.editable));
    return lines;
  }

  answer(line: string): AnswerOutcome {
    const approval = this.#queue[0];
    if (!approval) return { kind: "invalid" };
    if (this.#editing) return this.#editField(approval, line);
    const answer = parseApprovalAnswer(line);
    const toolCallId = approval.toolCallId;
    if (!answer || (answer === "edit" && !this.#tty)) {
      if (this.#tty || !line.trim()) return { kind: "invalid" };
      return this.#decide({ type: "reject", toolCallId, message: line.trim() });
    }
    if (answer === "edit") {
      const fields = editableFields(approval);
      if (fields.length === 0) return { kind: "not-editable" };
      this.#editing = { fields, args: { ...approval.args } };
      return { kind: "field", prompt: fieldPrompt(fields[0] as string, approval.args) };
    }
    if (answer === "reject") return this.#decide({ type: "reject", toolCallId });
    // Typed out of habit at a call with a foreign target, "a" would approve that target: ask again.
    // (Piped input keeps "a" as it is documented: approve, and always for targets the person names.)
    if (answer === "always" && this.#tty && !this.offersAlways) return { kind: "no-always" };
    return this.#decide({ type: "approve", toolCallId, ...(answer === "always" ? { always: true } : {}) });
  }

  /** Rejects every call still undecided, e.g. when input ends; the reason says why. */
  rejectRemaining(message: string): Decision[] {
    for (const approval of this.#queue)
      this.#decisions.push({ type: "reject", toolCallId: approval.toolCallId, message });
    this.#queue.length = 0;
    return [...this.#decisions];
  }

  /** One edited field: Enter keeps it; a list is comma-separated. After the last, the call is decided. */
  #editField(approval: Approval, line: string): AnswerOutcome {
    const editing = this.#editing as Editing;
    const field = editing.fields.shift() as string;
    const value = line.trim();
    if (value) {
      const before = editing.args[field];
      editing.args[field] = Array.isArray(approval.args[field])
        ? value
            .split(",")
            .map((part) => part.trim())
            .filter(Boolean)
        : value;
      // A moved start moves the end still to come with it, so the event keeps its length.
      if (field === "start" && editing.fields.includes("end")) {
        const end = shifted(editing.args.end, before, value);
        if (end !== undefined) editing.args.end = end;
      }
    }
    const next = editing.fields[0];
    if (next) return { kind: "field", prompt: fieldPrompt(next, editing.args) };
    this.#editing = undefined;
    return this.#decide({ type: "edit", toolCallId: approval.toolCallId, args: editing.args });
  }

  #decide(decision: Decision): AnswerOutcome {
    this.#decisions.push(decision);
    this.#queue.shift();
    return this.#queue.length > 0 ? { kind: "next" } : { kind: "done", decisions: [...this.#decisions] };
  }
}

/** A local date-time as calls give them (`2026-12-02T13:00`, seconds optional), no zone. */
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;

/** `end` moved by as much as the start moved from `from` to `to`; undefined when any is not a local date-time. */
function shifted(end: unknown, from: unknown, to: string): string | undefined {
  if (typeof end !== "string" || typeof from !== "string") return undefined;
  if (![end, from, to].every((value) => LOCAL_DATE_TIME.test(value))) return undefined;
  // Read as UTC only to subtract: all three are in the same zone, so the difference is the move.
  const moved = Date.parse(`${end}Z`) + (Date.parse(`${to}Z`) - Date.parse(`${from}Z`));
  if (Number.isNaN(moved)) return undefined;
  return new Date(moved).toISOString().slice(0, end.length);
}

function editableFields(approval: Approval): string[] {
  return Object.keys(approval.args).filter((field) => EDITABLE.test(field));
}

function label(connector: string): string {
  return connector.replace(
    /(^|-)(\w)/g,
    (_match, dash: string, letter: string) => `${dash ? " " : ""}${letter.toUpperCase()}`,
  );
}

function fieldPrompt(field: string, args: Record<string, unknown>): string {
  const current = args[field];
  const shown = Array.isArray(current) ? current.join(", ") : String(current ?? "");
  return `  ${field} [${stripControls(oneLine(shown, 80))}]: `;
}

/** The first lines of the text a write would send or store, so the person sees what goes out. */
function bodyPreview(args: Record<string, unknown>): string[] | undefined {
  const text = [args.body, args.text, args.content, args.description].find(
    (value): value is string => typeof value === "string" && value.trim().length > 0,
  );
  if (!text) return undefined;
  const lines = text
    .trim()
    .split(/\r?\n/)
    .slice(0, 4)
    .map((line) => oneLine(line, 100));
  if (text.trim().split(/\r?\n/).length > 4) lines.push("…");
  return lines;
}
