import type { Effect } from "../../connectors/tool-traits.js";
import { DelegateError } from "../../errors.js";

export type { Effect };
export const EFFECTS: readonly Effect[] = ["read", "write", "destructive"];

/**
 * How a call is decided:
 * - `allow`: it runs;
 * - `ask`: the person decides;
 * - `deny`: it never runs (the model is told the policy blocks it);
 * - `auto`: it runs when every target it names (recipients, channel, attendees, parent page)
 *   appears in the person's own messages of the thread, and the person decides otherwise.
 */
export type ApprovalMode = "allow" | "ask" | "deny" | "auto";
export const APPROVAL_MODES: readonly ApprovalMode[] = ["allow", "ask", "deny", "auto"];

/** Effects and tool names → modes. A tool's own entry wins over its effect's. */
export interface ApprovalPolicy {
  effects: Readonly<Record<Effect, ApprovalMode>>;
  tools: Readonly<Record<string, ApprovalMode>>;
}

/**
 * The `approvals` option: a flat map of effect or tool names to modes, e.g.
 * `{ write: "ask", gmail_create_draft: "allow" }`, or the same as text
 * (`"write=ask,destructive=ask,gmail_create_draft=allow"`, as in DELEGATE_APPROVALS).
 */
export type ApprovalsOption = Readonly<Record<string, ApprovalMode>> | string;

export const DEFAULT_APPROVAL_POLICY: ApprovalPolicy = {
  effects: { read: "allow", write: "auto", destructive: "ask" },
  tools: {},
};

/** Parses `effect-or-tool=mode,…`; every problem is reported, each naming the entry. */
export function parseApprovals(
  text: string,
  problems: string[],
  source = "approvals",
): Record<string, ApprovalMode> {
  const entries: Record<string, ApprovalMode> = {};
  for (const raw of text
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)) {
    const [name, mode, ...rest] = raw.split("=").map((part) => part.trim());
    if (!name || !mode || rest.length > 0) {
      problems.push(`${source} entry "${raw}" is not name=mode, e.g. write=ask or gmail_create_draft=allow.`);
    } else if (!isMode(mode)) {
      problems.push(`${source} entry "${raw}": the mode must be one of ${APPROVAL_MODES.join(", ")}.`);
    } else {
      entries[name] = mode;
    }
  }
  return entries;
}

/**
 * The policy for a set of known tools. Tool names are checked against `knownTools` so a typo
 * (`gmail_send=allow`) is an error, not a silently ignored rule.
 *
 * @throws DelegateError `CONFIG_INVALID` listing every bad entry.
 */
export function resolveApprovalPolicy(
  option: ApprovalsOption | undefined,
  knownTools: readonly string[],
): ApprovalPolicy {
  if (option === undefined) return DEFAULT_APPROVAL_POLICY;
  const problems: string[] = [];
  const entries =
    typeof option === "string"
      ? parseApprovals(option, problems)
      : ({ ...option } as Record<string, unknown>);
  const effects: Record<Effect, ApprovalMode> = { ...DEFAULT_APPROVAL_POLICY.effects };
  const tools: Record<string, ApprovalMode> = {};
  for (const [name, mode] of Object.entries(entries)) {
    if (!isMode(mode)) {
      problems.push(`approvals.${name} must be one of ${APPROVAL_MODES.join(", ")}.`);
    } else if ((EFFECTS as readonly string[]).includes(name)) {
      effects[name as Effect] = mode;
    } else if (knownTools.includes(name)) {
      tools[name] = mode;
    } else {
      problems.push(
        `approvals names "${name}", which is neither an effect (${EFFECTS.join(", ")}) nor a tool of this agent.`,
      );
    }
  }
  if (problems.length > 0) {
    throw new DelegateError(
      "CONFIG_INVALID",
      `Invalid approval policy:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`,
      { details: { problems } },
    );
  }
  return { effects, tools };
}

export function modeFor(policy: ApprovalPolicy, toolName: string, effect: Effect): ApprovalMode {
  return policy.tools[toolName] ?? policy.effects[effect];
}

function isMode(value: unknown): value is ApprovalMode {
  return typeof value === "string" && (APPROVAL_MODES as readonly string[]).includes(value);
}
