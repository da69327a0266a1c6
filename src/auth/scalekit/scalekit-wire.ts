/** The SDK's wire values (numeric statuses, event names, tool definitions) as the port's plain ones. */
import { ConnectorStatus } from "@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/connected_accounts/connected_accounts_pb.js";
import type { AccountStatus, HostedToolDefinition } from "../agent-auth.js";

const STATUS_NAMES: Readonly<Record<number, AccountStatus>> = {
  [ConnectorStatus.ACTIVE]: "ACTIVE",
  [ConnectorStatus.EXPIRED]: "EXPIRED",
  [ConnectorStatus.PENDING_AUTH]: "PENDING_AUTH",
  [ConnectorStatus.PENDING_VERIFICATION]: "PENDING_VERIFICATION",
  [ConnectorStatus.DISCONNECTED]: "DISCONNECTED",
};

/** Statuses as webhooks and the event feed spell them. */
export const STATUS_BY_NAME = new Map<string, AccountStatus>(
  Object.values(STATUS_NAMES).map((name) => [name, name]),
);

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
  return STATUS_NAMES[status] ?? "PENDING_AUTH";
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
