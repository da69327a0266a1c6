import { type ApprovalMode, EFFECTS } from "../agent/approvals/policy.js";
import { ALL_CONNECTORS } from "../connectors/index.js";
import type { ConnectorId } from "../connectors/registry.js";

/**
 * Checks DELEGATE_APPROVALS' names against Delegate's own tools while the rest of the
 * configuration is checked, so a misspelt tool is reported with a bad mode in one error instead
 * of on the next run, when the agent is built. Scalekit's catalog tools (DELEGATE_TOOLS=catalog)
 * are known only once listed: those names are checked then.
 *
 * @param enabled the enabled connectors, or undefined when DELEGATE_CONNECTORS is itself invalid.
 */
export function checkApprovalNames(
  approvals: Readonly<Record<string, ApprovalMode>>,
  enabled: readonly ConnectorId[] | undefined,
  problems: string[],
): void {
  const owners = new Map<string, ConnectorId>(
    ALL_CONNECTORS.flatMap((connector) => connector.tools.map((tool) => [tool.name, connector.id] as const)),
  );
  for (const name of Object.keys(approvals)) {
    if ((EFFECTS as readonly string[]).includes(name)) continue;
    const connector = owners.get(name);
    if (connector === undefined) {
      const guess = closest(name, [...EFFECTS, ...owners.keys()]);
      problems.push(
        `DELEGATE_APPROVALS names "${name}", which is neither an effect (${EFFECTS.join(", ")}) nor a Delegate tool; ${
          guess
            ? `did you mean ${guess}?`
            : "use a tool name from the README's Tools table, e.g. gmail_create_draft."
        }`,
      );
    } else if (enabled && !enabled.includes(connector)) {
      problems.push(
        `DELEGATE_APPROVALS names ${name}, a tool of ${connector}, which DELEGATE_CONNECTORS leaves out; drop the entry or enable ${connector}.`,
      );
    }
  }
}

/** The candidate a typo most likely meant: at most a third of its letters off. */
function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
