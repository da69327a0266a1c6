import { DelegateError } from "../../errors.js";
import { closestName } from "../../text.js";
import {
  APPROVAL_MODES,
  type ApprovalMode,
  type ApprovalPolicy,
  type ApprovalsOption,
  DEFAULT_APPROVAL_POLICY,
  EFFECTS,
  type Effect,
} from "./policy.js";

/** What an approvals setting's names are checked against, and how problems name things. */
export interface ApprovalsCheck {
  /** How problems name the setting: `DELEGATE_APPROVALS`, or "`approvals`" for the option. */
  source: string;
  /**
   * Every tool a name may mean, with the connector it belongs to. Left out while the tools are
   * not known yet (Scalekit's catalog is known only once listed): then only the syntax and the
   * modes are checked.
   */
  tools?: ReadonlyMap<string, string | undefined>;
  /** The connectors that are on, and the setting that chose them: a tool of another is left out. */
  enabled?: { ids: readonly string[]; source: string };
}

/**
 * Reads an approvals setting (`{ write: "ask" }` or `"write=ask,gmail_create_draft=allow"`) and
 * names every problem: a malformed entry, a mode that is not one, a name that is neither an
 * effect nor a tool (with the likeliest meant name), and a tool whose connector is off. The
 * environment, the runtime's options and the agent build all check through here, so a setting
 * is judged the same wherever it comes from.
 */
export function readApprovals(
  option: unknown,
  check: ApprovalsCheck,
): { entries: Record<string, ApprovalMode>; problems: string[] } {
  const problems: string[] = [];
  const { source } = check;
  let given: Record<string, unknown>;
  if (typeof option === "string") {
    given = parseEntries(option, problems, source);
  } else if (typeof option === "object" && option !== null && !Array.isArray(option)) {
    given = option as Record<string, unknown>;
  } else {
    return {
      entries: {},
      problems: [
        `${source} must be an object ({ write: "ask" }) or text ("write=ask,gmail_send_message=allow").`,
      ],
    };
  }
  const entries: Record<string, ApprovalMode> = {};
  for (const [name, mode] of Object.entries(given)) {
    if (!isMode(mode)) {
      problems.push(`${member(source, name)} must be one of ${APPROVAL_MODES.join(", ")}.`);
      continue;
    }
    const problem = nameProblem(name, check);
    if (problem) problems.push(problem);
    else entries[name] = mode;
  }
  return { entries, problems };
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
  const { entries, problems } = readApprovals(option, {
    source: "`approvals`",
    tools: new Map(knownTools.map((name) => [name, undefined])),
  });
  if (problems.length > 0) {
    throw new DelegateError(
      "CONFIG_INVALID",
      `Invalid approval policy:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`,
      { details: { problems } },
    );
  }
  const effects: Record<Effect, ApprovalMode> = { ...DEFAULT_APPROVAL_POLICY.effects };
  const tools: Record<string, ApprovalMode> = {};
  for (const [name, mode] of Object.entries(entries)) {
    if ((EFFECTS as readonly string[]).includes(name)) effects[name as Effect] = mode;
    else tools[name] = mode;
  }
  return { effects, tools };
}

function nameProblem(name: string, { source, tools, enabled }: ApprovalsCheck): string | undefined {
  if ((EFFECTS as readonly string[]).includes(name) || tools === undefined) return undefined;
  if (!tools.has(name)) {
    const guess = closestName(name, [...EFFECTS, ...tools.keys()]);
    return `${source} names "${name}", which is neither an effect (${EFFECTS.join(", ")}) nor a Delegate tool; ${
      guess
        ? `did you mean ${guess}?`
        : "use a tool name from the README's Tools table, e.g. gmail_create_draft."
    }`;
  }
  const connector = tools.get(name);
  if (enabled && connector !== undefined && !enabled.ids.includes(connector)) {
    return `${source} names ${name}, a tool of ${connector}, which ${enabled.source} leaves out; drop the entry or enable ${connector}.`;
  }
  return undefined;
}

/** `effect-or-tool=mode,…` into name → mode text; malformed entries are problems naming them. */
function parseEntries(text: string, problems: string[], source: string): Record<string, unknown> {
  const entries: Record<string, unknown> = {};
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

/** "`approvals`" and "write" → "`approvals.write`"; "approvals" and "write" → "approvals.write". */
function member(source: string, name: string): string {
  return source.startsWith("`") && source.endsWith("`")
    ? `${source.slice(0, -1)}.${name}\``
    : `${source}.${name}`;
}

function isMode(value: unknown): value is ApprovalMode {
  return typeof value === "string" && (APPROVAL_MODES as readonly string[]).includes(value);
}
