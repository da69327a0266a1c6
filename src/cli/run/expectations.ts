import type { RuntimeEvent } from "../../runtime/events.js";
import { clip } from "../../text.js";
import type { JsonPath } from "./json-source.js";
import { containsText, describeExpected, mismatch, show } from "./matchers.js";
import { pattern } from "./patterns.js";
import type { CheckResult, RecordedEvent, RunRecord } from "./run-record.js";
import { type Expectations, isUserTurn, type Script, type ToolExpectationInput } from "./script-schema.js";

type EventOf<T extends RuntimeEvent["type"]> = Extract<RuntimeEvent, { type: T }>;
type Recorded<T extends RuntimeEvent["type"]> = RecordedEvent & { event: EventOf<T> };

/**
 * The turns whose events a turn's expectations cover. A user turn covers everything up to the
 * next user turn (its authorization turns included), an authorization turn only its own action.
 */
export function spanOf(script: Script, turn: number): { from: number; to: number } {
  const current = script.turns[turn];
  if (!current || !isUserTurn(current)) return { from: turn, to: turn + 1 };
  let to = turn + 1;
  while (to < script.turns.length && !isUserTurn(script.turns[to]!)) to += 1;
  return { from: turn, to };
}

/** Evaluates every expectation of a script against what happened, plus the implicit checks. */
export function evaluate(script: Script, record: RunRecord): CheckResult[] {
  const results: CheckResult[] = [];
  const expectedErrors = new Set<number>();
  script.turns.forEach((turn, index) => {
    const span = spanOf(script, index);
    const events = record.events.filter((item) => item.turn >= span.from && item.turn < span.to);
    const base: JsonPath = ["turns", index, "expect"];
    const expect = turn.expect;
    if (expect?.error !== undefined) {
      for (const item of events) if (item.event.type === "error") expectedErrors.add(item.seq);
    }
    if (!expect) return;
    // A span is complete only if all of its turns ran.
    const incomplete = record.turnsRun < span.to;
    const context: Context = { events, record, base, turn: index, incomplete };
    results.push(...checkTurn(expect, context));
  });

  for (const item of record.events) {
    if (item.event.type !== "error" || expectedErrors.has(item.seq)) continue;
    results.push({
      turn: item.turn,
      path: ["turns", item.turn],
      description: "runs without errors",
      met: false,
      expected: "no error",
      actual: `${item.event.code}: ${item.event.message}`,
    });
  }
  if (record.stopped) {
    results.push({
      turn: record.stopped.turn,
      path: ["turns", record.stopped.turn],
      description: "the turn completes",
      met: false,
      expected: "the turn to complete",
      actual: record.stopped.reason,
    });
  }
  return results.sort((a, b) => a.turn - b.turn);
}

interface Context {
  events: RecordedEvent[];
  record: RunRecord;
  base: JsonPath;
  turn: number;
  incomplete: boolean;
}

function checkTurn(expect: Expectations, context: Context): CheckResult[] {
  const results: CheckResult[] = [];
  const result = (
    path: JsonPath,
    description: string,
    outcome: { met: boolean; expected?: string; actual?: string },
  ) => {
    const notRun = context.incomplete && !outcome.met;
    results.push({
      turn: context.turn,
      path: [...context.base, ...path],
      description,
      met: outcome.met,
      ...(outcome.expected !== undefined ? { expected: outcome.expected } : {}),
      ...(outcome.actual !== undefined || notRun
        ? {
            actual: `${outcome.actual ?? ""}${notRun ? `${outcome.actual ? " " : ""}(the run stopped before this turn finished)` : ""}`,
          }
        : {}),
    });
  };

  const calls = callsIn(context);
  expect.tools?.forEach((tool, index) => {
    const outcome = checkTool(tool, calls, context.record);
    result(["tools", index], `calls ${describeTool(tool)}`, outcome);
  });
  expect.not_tools?.forEach((name, index) => {
    const made = calls.filter((call) => call.event.toolName === name);
    result(["not_tools", index], `does not call ${name}`, {
      met: made.length === 0,
      expected: `no call of ${name}`,
      actual: made.map((call) => describeCall(call.event)).join("\n") || "no call",
    });
  });
  if (expect.interrupt !== undefined) {
    result(
      ["interrupt"],
      describeInterruptExpectation(expect.interrupt),
      checkInterrupt(expect.interrupt, context),
    );
  }
  if (expect.approval !== undefined) {
    result(
      ["approval"],
      describeApprovalExpectation(expect.approval),
      checkApproval(expect.approval, context),
    );
  }
  if (expect.reply) {
    const reply = of(context.events, "message")
      .map((item) => item.event.text)
      .join("\n");
    const actual = reply ? clip(reply, 600) : "no reply";
    const contains = expect.reply.contains === undefined ? [] : [expect.reply.contains].flat();
    contains.forEach((text, index) => {
      const path = Array.isArray(expect.reply?.contains)
        ? ["reply", "contains", index]
        : ["reply", "contains"];
      result(path, `reply contains ${JSON.stringify(text)}`, {
        met: containsText(reply, text),
        expected: `a reply containing ${JSON.stringify(text)}`,
        actual,
      });
    });
    const absent = expect.reply.not_contains === undefined ? [] : [expect.reply.not_contains].flat();
    absent.forEach((text, index) => {
      const path = Array.isArray(expect.reply?.not_contains)
        ? ["reply", "not_contains", index]
        : ["reply", "not_contains"];
      result(path, `reply does not contain ${JSON.stringify(text)}`, {
        met: !containsText(reply, text),
        expected: `a reply without ${JSON.stringify(text)}`,
        actual,
      });
    });
    if (expect.reply.matches !== undefined) {
      const regex = pattern(expect.reply.matches);
      result(["reply", "matches"], `reply matches ${regex}`, {
        met: regex.test(reply),
        expected: `a reply matching ${regex}`,
        actual,
      });
    }
  }
  if (expect.error !== undefined) {
    const wanted = expect.error === true ? {} : expect.error;
    const errors = of(context.events, "error");
    const found = errors.some(
      (item) =>
        (wanted.code === undefined || item.event.code === wanted.code) &&
        (wanted.contains === undefined || containsText(item.event.message, wanted.contains)),
    );
    const description = `reports an error${wanted.code ? ` ${wanted.code}` : ""}${wanted.contains ? ` containing ${JSON.stringify(wanted.contains)}` : ""}`;
    result(["error"], description, {
      met: found,
      expected: description.replace(/^reports /, ""),
      actual: errors.map((item) => `${item.event.code}: ${item.event.message}`).join("\n") || "no error",
    });
  }
  return results;
}

function checkTool(
  tool: ToolExpectationInput,
  calls: Recorded<"tool-call">[],
  record: RunRecord,
): { met: boolean; expected: string; actual: string } {
  const expected = describeTool(tool);
  const spec = typeof tool === "string" ? { name: tool } : tool;
  const reasons: string[] = [];
  for (const call of calls) {
    if (call.event.toolName !== spec.name) continue;
    const argProblem = spec.args ? mismatch(spec.args, call.event.args, "args") : undefined;
    if (argProblem) {
      reasons.push(`${describeCall(call.event)}\n  ${argProblem}`);
      continue;
    }
    if (spec.result) {
      const outcome = record.events.find(
        (item): item is Recorded<"tool-result"> =>
          item.event.type === "tool-result" && item.event.toolCallId === call.event.toolCallId,
      );
      if (outcome?.event.status !== spec.result) {
        reasons.push(
          `${describeCall(call.event)}\n  result: expected ${spec.result}, got ${outcome ? `${outcome.event.status} (${outcome.event.summary})` : "no result"}`,
        );
        continue;
      }
    }
    return { met: true, expected, actual: describeCall(call.event) };
  }
  const others = calls
    .filter((call) => call.event.toolName !== spec.name)
    .map((call) => describeCall(call.event));
  const actual = [...reasons, ...others].join("\n") || "no tool was called";
  return { met: false, expected, actual };
}

function describeTool(tool: ToolExpectationInput): string {
  if (typeof tool === "string") return tool;
  const parts = [tool.name];
  if (tool.args) parts.push(describeExpected(tool.args));
  if (tool.result) parts.push(`→ ${tool.result}`);
  return parts.join(" ");
}

function describeCall(event: EventOf<"tool-call">): string {
  return `${event.toolName} ${show(event.args)}`;
}

type InterruptExpectation = NonNullable<Expectations["interrupt"]>;

function describeInterruptExpectation(expected: InterruptExpectation): string {
  if (expected === false) return "asks for no authorization";
  return `asks to connect ${[...expected.connectors].join(", ")}${expected.reason ? ` (${expected.reason})` : ""}${
    expected.new_links ? " with new links" : ""
  }`;
}

function describeInterrupt(event: EventOf<"authorization-required">): string {
  return `[${event.requests.map((request) => request.connector).join(", ")}] (${event.reason}) ${event.requests
    .map((request) => request.url)
    .join(" ")}`;
}

function checkInterrupt(
  expected: InterruptExpectation,
  context: Context,
): { met: boolean; expected: string; actual: string } {
  // Connections only: calls waiting for the person's decision are `approval`'s business.
  const interrupts = of(context.events, "authorization-required").filter(
    (item) => item.event.requests.length > 0,
  );
  const actual =
    interrupts.map((item) => describeInterrupt(item.event)).join("\n") || "no authorization was asked for";
  if (expected === false)
    return { met: interrupts.length === 0, expected: "no authorization request", actual };
  const wanted = [...new Set(expected.connectors)].sort();
  const description = `one authorization request for exactly [${wanted.join(", ")}]${expected.reason ? ` (${expected.reason})` : ""}${
    expected.new_links ? " with links that differ from the previous request's" : ""
  }`;
  const problems: string[] = [];
  for (const item of interrupts) {
    const got = [...new Set(item.event.requests.map((request) => request.connector))].sort();
    if (got.join(",") !== wanted.join(",")) continue;
    if (expected.reason && item.event.reason !== expected.reason) continue;
    if (expected.new_links) {
      const stale = item.event.requests.filter((request) => {
        const previous = previousLink(context.record, item.seq, request.connector);
        return previous === undefined || previous === request.url;
      });
      if (stale.length > 0) {
        problems.push(`links not regenerated for ${stale.map((request) => request.connector).join(", ")}`);
        continue;
      }
    }
    return { met: true, expected: description, actual: describeInterrupt(item.event) };
  }
  return { met: false, expected: description, actual: [actual, ...problems].join("\n") };
}

type ApprovalExpectation = NonNullable<Expectations["approval"]>;

function describeApprovalExpectation(expected: ApprovalExpectation): string {
  if (expected === false) return "asks for no approval";
  const parts = ["asks to approve"];
  parts.push(expected.tools ? [...expected.tools].join(", ") : "a call");
  if (expected.targets) parts.push(`naming ${expected.targets.join(", ")}`);
  if (expected.reason) parts.push(`(${expected.reason})`);
  return parts.join(" ");
}

function describeApprovals(event: EventOf<"authorization-required">): string {
  return event.approvals
    .map(
      (approval) =>
        `${approval.tool} [${approval.targets.map((target) => target.display).join(", ")}] (${approval.reason}): ${approval.summary}`,
    )
    .join("\n");
}

/**
 * Some request of the span asked to approve exactly the expected tools (as a set), named every
 * expected target among its calls' targets, and (when given) for the expected reason.
 */
function checkApproval(
  expected: ApprovalExpectation,
  context: Context,
): { met: boolean; expected: string; actual: string } {
  const asked = of(context.events, "authorization-required").filter(
    (item) => item.event.approvals.length > 0,
  );
  const actual = asked.map((item) => describeApprovals(item.event)).join("\n") || "no approval was asked for";
  if (expected === false) return { met: asked.length === 0, expected: "no approval request", actual };
  const wanted = expected.tools ? [...new Set(expected.tools)].sort() : undefined;
  const description = `a request to approve ${wanted ? `exactly [${wanted.join(", ")}]` : "some call"}${
    expected.targets ? ` naming ${expected.targets.join(", ")}` : ""
  }${expected.reason ? ` (${expected.reason})` : ""}`;
  for (const item of asked) {
    const approvals = item.event.approvals;
    const tools = [...new Set(approvals.map((approval) => approval.tool))].sort();
    if (wanted && tools.join(",") !== wanted.join(",")) continue;
    const targets = approvals.flatMap((approval) => approval.targets.map((target) => target.display));
    if (expected.targets && !expected.targets.every((target) => targets.some((t) => containsText(t, target))))
      continue;
    if (expected.reason && !approvals.some((approval) => approval.reason === expected.reason)) continue;
    return { met: true, expected: description, actual: describeApprovals(item.event) };
  }
  return { met: false, expected: description, actual };
}

function previousLink(record: RunRecord, before: number, connector: string): string | undefined {
  for (let index = record.events.length - 1; index >= 0; index -= 1) {
    const item = record.events[index]!;
    if (item.seq >= before || item.event.type !== "authorization-required") continue;
    const request = item.event.requests.find((candidate) => candidate.connector === connector);
    if (request) return request.url;
  }
  return undefined;
}

/**
 * The tool calls a span covers: those the model asked for in it, and those that ran in it
 * (a call asked for before an authorization runs after the approval, in the approval's span).
 */
function callsIn(context: Context): Recorded<"tool-call">[] {
  const inSpan = new Set(context.events.map((item) => item.seq));
  const ranHere = new Set(of(context.events, "tool-result").map((item) => item.event.toolCallId));
  return of(context.record.events, "tool-call").filter(
    (item) => inSpan.has(item.seq) || ranHere.has(item.event.toolCallId),
  );
}

function of<T extends RuntimeEvent["type"]>(events: RecordedEvent[], type: T): Recorded<T>[] {
  return events.filter((item): item is Recorded<T> => item.event.type === type);
}
