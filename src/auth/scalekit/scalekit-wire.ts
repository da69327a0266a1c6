/** The SDK's wire values (numeric statuses, event names, tool definitions) as the port's plain ones. */
import type { AccountStatus, HostedToolDefinition } from "../agent-auth.js";
import { connectedAccountsProto } from "./scalekit-sdk.js";

/** The statuses Delegate tells apart, named as the SDK's `ConnectorStatus` enum names them. */
const STATUSES = ["ACTIVE", "EXPIRED", "PENDING_AUTH", "PENDING_VERIFICATION", "DISCONNECTED"] as const;

/** Statuses as webhooks and the event feed spell them. */
export const STATUS_BY_NAME = new Map<string, AccountStatus>(STATUSES.map((name) => [name, name]));

/** The SDK's numeric statuses by number, built on first use (the enum loads with the SDK). */
let statusByNumber: ReadonlyMap<number, AccountStatus> | undefined;

/**
 * The connected-account events that can change whether a waiting thread may go on, and the link
 * event every new wait causes (which shows the feed is alive).
 */
export const ACCOUNT_EVENT_TYPES = [
  "connected_account.created",
  "connected_account.magic_link_generated",
  "connected_account.updated",
  "connected_account.status_updated",
  "connected_account.deleted",
  "connected_account.oauth_succeeded",
  "connected_account.token_refresh_succeeded",
];

export function statusName(status: number): AccountStatus {
  // UNSPECIFIED is treated as needing authorization: only an explicit ACTIVE lets a tool run.
  statusByNumber ??= new Map(
    STATUSES.map((name) => [connectedAccountsProto().ConnectorStatus[name], name] as const),
  );
  return statusByNumber.get(status) ?? "PENDING_AUTH";
}

export function toHostedTool(definition: unknown, connection: string): HostedToolDefinition | undefined {
  if (typeof definition !== "object" || definition === null) return undefined;
  const record = definition as Record<string, unknown>;
  if (typeof record.name !== "string") return undefined;
  const schema = record.input_schema;
  const annotations = record.annotations as Record<string, unknown> | undefined;
  return {
    name: record.name,
    description: typeof record.description === "string" ? record.description : record.name,
    connection,
    inputSchema:
      typeof schema === "object" && schema !== null
        ? (schema as Record<string, unknown>)
        : { type: "object", properties: {} },
    ...(typeof annotations?.read_only_hint === "boolean" ? { readOnly: annotations.read_only_hint } : {}),
    ...(typeof annotations?.destructive_hint === "boolean"
      ? { destructive: annotations.destructive_hint }
      : {}),
  };
}
