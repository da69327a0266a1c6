import { joinNames } from "../../text.js";
import type {
  ApprovalRequest,
  AuthorizationInterrupt,
  AuthorizationRequest,
  WaitReason,
} from "../authorization-request.js";

/**
 * The one interrupt value of a batch: connections to connect and calls to decide on, with a
 * message and description for people and the human-in-the-loop fields generic UIs render.
 */
export function describeInterrupt(
  requests: readonly AuthorizationRequest[],
  approvals: readonly ApprovalRequest[],
  tokenRejected = false,
  /** Connections the person was already asked for in this turn and went on without (a recheck). */
  stillMissing: readonly string[] = [],
  /** Why the last answer was not applied. */
  problem?: string,
): AuthorizationInterrupt {
  const notYet = requests.filter((request) => stillMissing.includes(request.connection));
  const reason: WaitReason = tokenRejected
    ? "token_rejected"
    : requests.length > 0
      ? "not_connected"
      : "approval_required";
  const names = joinNames(requests.map((request) => request.displayName));
  const verb = tokenRejected ? "Reconnect" : "Connect";
  const asks: string[] = [];
  if (requests.length > 0) asks.push(`${verb.toLowerCase()} ${names}`);
  if (approvals.length > 0)
    asks.push(`approve ${approvals.length === 1 ? "1 action" : `${approvals.length} actions`}`);
  const asked =
    notYet.length > 0
      ? `Not connected yet: ${joinNames(asks)} to continue.`
      : `${capitalize(joinNames(asks))} to continue.`;
  const message = problem ? `Your answer was not applied (${problem}); nothing was done. ${asked}` : asked;
  const description = [
    ...(problem ? [`Your answer was not applied (${problem}); nothing was done. Answer again.`] : []),
    ...(notYet.length > 0
      ? [`Not connected yet: ${joinNames(notYet.map((request) => request.displayName))}.`]
      : []),
    tokenRejected
      ? `${names} stopped accepting the saved authorization, so Delegate needs you to reconnect before it can continue.`
      : "Delegate needs you before it can do what you asked. Nothing has run yet.",
    ...approvals.map(
      (approval) =>
        `- Approve? ${approval.summary}${approval.reason === "target_not_named_by_user" ? ` (${unnamed(approval)} did not come from you)` : ""}.`,
    ),
    ...requests.map(
      (request) =>
        `- ${request.displayName}: open ${request.url} to ${verb.toLowerCase()} (link expires ${request.expiresAt}).`,
    ),
    resumeHint(approvals.length > 0, requests.length > 0),
  ].join("\n");
  return {
    type: "authorization_required",
    requests: [...requests],
    approvals: [...approvals],
    message,
    reason,
    description,
    ...(problem ? { error: problem } : {}),
    // Approvals first: positional decisions (Agent Chat UI) must keep pointing at the same call
    // when the interrupt is raised again with fewer connections missing.
    action_requests: [
      ...approvals.map((approval) => ({
        name: approval.tool,
        args: approval.args,
        description: `${approval.summary}${approval.error ? `\nYour edit was not accepted: ${approval.error}` : ""}`,
      })),
      ...requests.map((request) => ({
        name: `connect_${request.connector.replace(/-/g, "_")}`,
        args: {
          instructions: `${notYet.includes(request) ? `${request.displayName} is not connected yet. ` : ""}Open the link, click Allow, then come back and click Approve. Reject to skip ${request.displayName}: what needs it is not done, the rest goes on.`,
          url: request.url,
          expiresAt: request.expiresAt,
        },
        description: `${verb} ${request.displayName}: open ${request.url}, then approve to continue (reject to skip).`,
      })),
    ],
    review_configs: [
      ...approvals.map((approval) => ({
        action_name: approval.tool,
        allowed_decisions: ["approve", "reject", "edit"],
      })),
      ...requests.map((request) => ({
        action_name: `connect_${request.connector.replace(/-/g, "_")}`,
        allowed_decisions: ["approve", "reject"],
      })),
    ],
  };
}

function unnamed(approval: ApprovalRequest): string {
  return joinNames(approval.targets.filter((target) => !target.named).map((target) => target.display));
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const DISJUNCTION = new Intl.ListFormat("en", { type: "disjunction" });

/** How to answer, naming only the answers this question takes. */
function resumeHint(decide: boolean, connect: boolean): string {
  const ways = [
    ...(decide ? ['{"decisions":[{"toolCallId":…,"type":"approve"|"reject"|"edit"}]} for the actions'] : []),
    ...(connect
      ? ['{"action":"recheck"} after connecting (Delegate\'s own runtime and chat do this by themselves)']
      : []),
    '{"action":"cancel"} to skip it all',
  ];
  return `Resume with ${DISJUNCTION.format(ways)}.`;
}
