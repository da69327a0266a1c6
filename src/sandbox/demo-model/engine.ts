import { AIMessage, type BaseMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { CONNECTOR_NAMES, connectorOfTool } from "./connector-names.js";
import { zonedDateTime } from "./dates.js";
import { helpText, isGreeting, isHelpRequest } from "./help.js";
import type { DemoConnector, DemoContext, Outcome, Plan, Reply } from "./plan.js";
import { route } from "./router.js";
import { finalAnswer } from "./summarize.js";
import { normalizeRequest } from "./text.js";

export interface DemoToolCall {
  id: string;
  name: string;
  args: Record<string, unknown>;
}

/** The field Delegate fences third-party text in (see the connectors' results). */
const UNFENCE = "untrusted_text";
/** One reply of the demo model: a text, and tool calls when it acts. */
export interface DemoReply {
  text: string;
  toolCalls: DemoToolCall[];
}

interface Step {
  calls: DemoToolCall[];
  outcomes: Outcome[];
}

export function demoContext(now: Date, timeZone: string): DemoContext {
  return { now, timeZone, today: zonedDateTime(now, timeZone).date };
}

function messageText(message: BaseMessage): string {
  return typeof message.content === "string" ? message.content : message.text;
}

/** A tool result as the demo model understands it: JSON data, or an error text. */
function toOutcome(call: DemoToolCall, message: ToolMessage): Outcome {
  const content = messageText(message).trim();
  const failed = (error: string): Outcome => ({
    ...call,
    ok: false,
    data: undefined,
    error: error.replace(/^Error:\s*/i, ""),
  });
  if (message.status === "error") return failed(content || "the tool failed");
  let data: unknown;
  try {
    // Third-party text arrives fenced as { untrusted_text }: the demo model only ever quotes it.
    data = JSON.parse(content, (_key, value: unknown) =>
      value !== null && typeof value === "object" && !Array.isArray(value) && UNFENCE in value
        ? (value as Record<string, unknown>)[UNFENCE]
        : value,
    );
  } catch {
    return failed(content || "the tool returned nothing");
  }
  const error = data && typeof data === "object" ? (data as Record<string, unknown>).error : undefined;
  if (typeof error === "string") return failed(error);
  if (error && typeof error === "object") {
    const message = (error as Record<string, unknown>).message;
    return failed(typeof message === "string" ? message : JSON.stringify(error));
  }
  return { ...call, ok: true, data };
}

/** The tool-calling messages after the request, each with the results that answered its calls. */
function stepsOf(messages: readonly BaseMessage[]): Step[] {
  const steps: Step[] = [];
  const results = new Map<string, ToolMessage>();
  for (const message of messages) {
    if (ToolMessage.isInstance(message)) results.set(message.tool_call_id, message);
  }
  for (const message of messages) {
    if (!AIMessage.isInstance(message) || !message.tool_calls?.length) continue;
    const calls = message.tool_calls.map((call, index) => ({
      id: call.id ?? `missing_${index}`,
      name: call.name,
      args: (call.args ?? {}) as Record<string, unknown>,
    }));
    const outcomes = calls.flatMap((call) => {
      const result = results.get(call.id);
      return result ? [toOutcome(call, result)] : [];
    });
    steps.push({ calls, outcomes });
  }
  return steps;
}

function textReply(text: string): DemoReply {
  return { text, toolCalls: [] };
}

/** Turns a plan into tool calls, refusing tools that are not bound to the model. */
function emit(plan: Plan, messageCount: number, bound: ReadonlySet<string> | undefined): DemoReply {
  const missing = plan.calls.filter((call) => !bound?.has(call.name)).map((call) => call.name);
  if (missing.length) {
    const connectors = [...new Set(missing.map((name) => connectorOfTool(name)))];
    // Other tools of the same connectors are bound: Scalekit's hosted catalog (DELEGATE_TOOLS=catalog).
    const boundConnectors = new Set(
      [...(bound ?? [])].map((name) => connectorOfTool(name.replace(/^googlecalendar_/, "google_calendar_"))),
    );
    const hosted = connectors.every((id) => id !== undefined && boundConnectors.has(id));
    if (hosted) {
      return textReply(
        `This session has Scalekit's hosted tools for ${connectors.map((id) => CONNECTOR_NAMES[id as DemoConnector]).join(" and ")} (DELEGATE_TOOLS=catalog), which the offline demo model does not drive; it knows only Delegate's own tools, like ${[...new Set(missing)].join(", ")}. Use a real model (OPENAI_API_KEY or OPENAI_BASE_URL) with the catalog. (offline demo model)`,
      );
    }
    const services = connectors.map((id) => (id ? CONNECTOR_NAMES[id] : "those"));
    return textReply(
      `I'd use ${[...new Set(missing)].join(", ")} for that, but ${missing.length === 1 ? "that tool isn't" : "those tools aren't"} available in this session (${services.join(", ")} ${services.length === 1 ? "is" : "are"} not enabled). (offline demo model)`,
    );
  }
  return {
    text: plan.lead,
    // The message count only grows within a conversation, so these ids never repeat in it.
    toolCalls: plan.calls.map((call, index) => ({
      id: `call_${messageCount}_${index}`,
      name: call.name,
      args: call.args,
    })),
  };
}

function fromReply(
  reply: Reply | null,
  messageCount: number,
  bound: ReadonlySet<string> | undefined,
): DemoReply | undefined {
  if (!reply) return undefined;
  return reply.kind === "text" ? textReply(reply.text) : emit(reply, messageCount, bound);
}

/** How many earlier turns a reply may reach back through to find the question it answers. */
const MAX_ANSWER_DEPTH = 3;

function previousHuman(messages: readonly BaseMessage[], before: number): number {
  for (let index = before - 1; index >= 0; index--) {
    if (HumanMessage.isInstance(messages[index])) return index;
  }
  return -1;
}

interface Standing {
  /** The reply due next; null when the results only need a summary. */
  reply: Reply | null;
  /** Calls whose results a later step reports, so the final answer does not repeat them. */
  quiet: Set<string>;
  /** The results this turn draws on, earlier turns' included when it answers their question. */
  outcomes: Outcome[];
}

/** What a request means: a request of its own, or else an answer to the previous turn's question. */
function interpret(
  messages: readonly BaseMessage[],
  humanAt: number,
  context: DemoContext,
  depth: number,
): { reply: Reply | null; earlier: Outcome[] } {
  const request = messageText(messages[humanAt] as BaseMessage);
  const routed = route(request, context);
  const askedAt = previousHuman(messages, humanAt);
  if (routed || depth >= MAX_ANSWER_DEPTH || askedAt < 0) return { reply: routed, earlier: [] };
  const asked = replay(messages.slice(0, humanAt), askedAt, context, depth + 1);
  if (asked.reply?.kind !== "text" || !asked.reply.choose) return { reply: null, earlier: [] };
  return { reply: asked.reply.choose(normalizeRequest(request), context), earlier: asked.outcomes };
}

/**
 * Replays the turn that starts at `humanAt`, step by step, against the tool calls already in the
 * history, to find where it stands.
 */
function replay(
  messages: readonly BaseMessage[],
  humanAt: number,
  context: DemoContext,
  depth: number,
): Standing {
  const interpreted = interpret(messages, humanAt, context, depth);
  const steps = stepsOf(messages.slice(humanAt + 1));
  const outcomes = [...interpreted.earlier, ...steps.flatMap((step) => step.outcomes)];
  let reply = interpreted.reply;
  const quiet = new Set<string>();
  for (const step of steps) {
    // The history must be what this plan produced; otherwise just report the results.
    const names = step.calls.map((call) => call.name).join(",");
    if (reply?.kind !== "plan" || reply.calls.map((call) => call.name).join(",") !== names) {
      return { reply: null, quiet: new Set(), outcomes };
    }
    const planned: Plan = reply;
    step.calls.forEach((call, position) => {
      if (planned.calls[position]?.quiet) quiet.add(call.id);
    });
    if (step.outcomes.some((outcome) => !outcome.ok)) return { reply: null, quiet, outcomes };
    reply = planned.next?.(step.outcomes, context) ?? null;
    if (!reply) break;
  }
  return { reply, quiet, outcomes };
}

/**
 * Decides the demo model's next message from the conversation alone. The model keeps no state:
 * a multi-step request is replayed from the last human message, step by step, against the tool
 * calls already in the history, to find where it stands; a message that is no request of its own
 * may answer the question the previous turn ended with.
 */
export function respond(
  messages: readonly BaseMessage[],
  context: DemoContext,
  bound: ReadonlySet<string> | undefined,
): DemoReply {
  const humanAt = previousHuman(messages, messages.length);
  const human = messages[humanAt];
  if (!human) return textReply(helpText("greeting"));
  const after = messages.slice(humanAt + 1);

  if (!after.length) {
    const request = normalizeRequest(messageText(human));
    if (isHelpRequest(request)) return textReply(helpText("help"));
    if (isGreeting(request)) return textReply(helpText("greeting"));
    const { reply } = interpret(messages, humanAt, context, 0);
    return fromReply(reply, messages.length, bound) ?? textReply(helpText("unmatched"));
  }
  if (!ToolMessage.isInstance(messages.at(-1))) return textReply(helpText("unmatched"));

  const { reply, quiet, outcomes } = replay(messages, humanAt, context, 0);
  const next = fromReply(reply, messages.length, bound);
  if (next) return next;
  const shown = stepsOf(after)
    .flatMap((step) => step.outcomes)
    .filter((outcome) => !(outcome.ok && quiet.has(outcome.id)));
  return textReply(finalAnswer(shown, outcomes, context));
}
