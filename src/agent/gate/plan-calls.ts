import type { ToolBinding } from "../../connectors/build-tools.js";
import { looksConfusable, strayTargetsOf, type Target, targetsOf } from "../approvals/call-targets.js";
import { type ApprovalPolicy, modeFor } from "../approvals/policy.js";
import {
  aliasesOf,
  namedByPerson,
  type Provenance,
  shownAs,
  sortOfTarget,
  titleShared,
} from "../approvals/provenance.js";
import type { ApprovalRequest } from "../authorization-request.js";
import { summarizeCall, withEveryTarget } from "./summaries.js";
import type { ToolCallLike } from "./tool-call.js";

export type { ToolCallLike };

/** How a call that runs was allowed, for the audit record. */
export type AllowedBy = "policy" | "auto" | "person";

/** The gate's verdict on one call, before anything runs. */
export type CallPlan =
  | { call: ToolCallLike; verdict: "run"; allowedBy: AllowedBy }
  | { call: ToolCallLike; verdict: "deny" }
  | { call: ToolCallLike; verdict: "ask"; approval: ApprovalRequest };

export interface PlanContext {
  policy: ApprovalPolicy;
  bindings: ReadonlyMap<string, ToolBinding>;
  provenance: Provenance;
  /** Tools the person allowed "always in this thread". */
  alwaysAllowed: ReadonlySet<string>;
}

/**
 * Decides one call by the policy. `auto` (and "always allow this tool in this thread") lets a
 * write run only when every target it names came from the person; a target from anywhere else —
 * an email they read, a page, a Slack message — makes the person decide, and says which target.
 * "Always" never lets a target the person did not name through: it only stops asking for
 * targets they did name.
 */
export function planCall(call: ToolCallLike, context: PlanContext): CallPlan {
  const binding = context.bindings.get(call.name);
  // A call of a tool Delegate does not know (the model made it up) is a write with no known targets.
  const effect = binding?.traits.effect ?? "write";
  const policyMode = modeFor(context.policy, call.name, effect);
  if (policyMode === "deny") return { call, verdict: "deny" };
  if (policyMode === "allow") return { call, verdict: "run", allowedBy: "policy" };
  const always = context.alwaysAllowed.has(call.name);
  const mode = policyMode === "ask" && always ? "auto" : policyMode;
  const fields = binding?.traits.targets ?? [];
  const recognised = targetsOf(call.args, fields);
  // A hosted tool's target fields are guessed from their names: an address, link or id in any
  // other argument (`users`, `forward_to`, `invite.emails`) may be where it acts, too.
  const stray = binding?.traits.targetsInferred === true ? strayTargetsOf(call.args, fields) : [];
  const targets = [...recognised, ...stray].map((target) => ({
    target: shownAs(target, context.provenance),
    named: namedByPerson(target, context.provenance),
  }));
  const unnamed = targets.filter((item) => !item.named);
  if (mode === "auto") {
    if (effect === "read") return { call, verdict: "run", allowedBy: "auto" };
    // Every target came from the person. A known write that names no target at all is what the
    // person asked for; but a destructive call with no target to check (it may act on anything)
    // needs "always", and an unknown tool is never waved through. A hosted tool's targets are
    // guessed from its argument names: naming none Delegate recognises proves nothing, and an
    // address, link or id in another of its arguments is a target the person must have named.
    const provable =
      recognised.length > 0 || always || (effect === "write" && binding?.traits.targetsInferred !== true);
    if (unnamed.length === 0 && binding !== undefined && provable) {
      return { call, verdict: "run", allowedBy: always ? "person" : "auto" };
    }
  }
  // What the person knows each page or event by, and whether another in the thread shares it.
  const shown = targets.map(({ target, named }) => {
    const label = labelOf(target, context.provenance);
    const shared = label !== undefined && titleShared(context.provenance, label, sortOfTarget(target));
    return { target, named, label, shared };
  });
  const plain = targets.map(({ target }) => target);
  return {
    call,
    verdict: "ask",
    approval: {
      toolCallId: call.id ?? "",
      tool: call.name,
      ...(binding ? { connector: binding.connector } : {}),
      effect,
      summary: withLabels(withEveryTarget(resolvedIn(summarizeCall(call, binding), plain), plain), shown),
      args: call.args,
      reason: mode === "auto" && unnamed.length > 0 ? "target_not_named_by_user" : "policy",
      targets: shown.map(({ target, named, label, shared }) => ({
        kind: target.kind,
        field: target.field,
        display: target.display,
        ...labelled(label),
        ...(shared ? { sharedTitle: true } : {}),
        named,
        ...(target.unusual || looksConfusable(label ?? "") ? { unusual: true } : {}),
      })),
    },
  };
}

/**
 * What a person knows a page or an event by: the title a Delegate tool returned for its id (so an
 * approval reads "Change event "Lunch with Sam"", not an opaque id). Never for addresses or
 * channels, whose own text is what the person must check.
 */
function labelOf(target: Target, provenance: Provenance): string | undefined {
  if (target.kind !== "calendar-event" && target.kind !== "notion-parent") return undefined;
  const title = aliasesOf(provenance, target.key, sortOfTarget(target))[0];
  return title && title !== target.display ? title : undefined;
}

/** A summary shows what a Slack id resolves to, not the label a call wrapped it in (`<#C1|team>`). */
function resolvedIn(summary: string, targets: readonly Target[]): string {
  let text = summary;
  for (const target of targets) {
    if (target.raw !== target.display && target.kind === "slack-conversation")
      text = text.split(target.raw).join(target.display);
  }
  return text;
}

function labelled(label: string | undefined): { label?: string } {
  return label ? { label } : {};
}

function withLabels(
  summary: string,
  shown: readonly { target: Target; label: string | undefined; shared: boolean }[],
): string {
  let text = summary;
  for (const { target, label, shared } of shown) {
    if (!label) continue;
    const note = shared ? ", and another has this title" : "";
    text = text.replace(target.display, `"${label}" (${target.display}${note})`);
  }
  return text;
}
