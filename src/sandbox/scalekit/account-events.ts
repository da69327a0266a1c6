import { statusName } from "./account-status.js";
import type { AccountEvent } from "./account-store.js";

export type { AccountEvent };

import { randomId } from "./random-ids.js";

/** What the account store reports; the emulator turns each into an event envelope. */

export const CREATED_EVENT = "connected_account.created";
export const UPDATED_EVENT = "connected_account.updated";
export const STATUS_UPDATED_EVENT = "connected_account.status_updated";
export const DELETED_EVENT = "connected_account.deleted";
export const MAGIC_LINK_GENERATED_EVENT = "connected_account.magic_link_generated";
export const TOKEN_REFRESH_SUCCEEDED_EVENT = "connected_account.token_refresh_succeeded";

export type ConnectedAccountEventType =
  | typeof CREATED_EVENT
  | typeof UPDATED_EVENT
  | typeof STATUS_UPDATED_EVENT
  | typeof DELETED_EVENT
  | typeof MAGIC_LINK_GENERATED_EVENT
  | typeof TOKEN_REFRESH_SUCCEEDED_EVENT;

/** `ConnectedAccountEventData` (Scalekit's webhook schema); statuses are names, not numbers. */
export interface ConnectedAccountEventData {
  id: string;
  identifier: string;
  connection_id: string;
  connection_name: string;
  provider: string;
  authorization_type: string;
  status: string;
  /** Only on `connected_account.status_updated`. */
  old_status?: string;
  token_expires_at?: string;
  last_used_at?: string;
}

/** Scalekit's event envelope, shared by webhooks and the events feed (ListEventsPaginated). */
export interface ConnectedAccountEventEnvelope {
  spec_version: "1";
  id: string;
  type: ConnectedAccountEventType;
  occurred_at: string;
  environment_id: string;
  /** Present for organization-scoped accounts (ScalekitEvent.organization_id, field 7). */
  organization_id?: string;
  object: "ConnectedAccount";
  display_name: string;
  data: ConnectedAccountEventData;
}

/** The `connected_account.status_updated` envelope, as webhook receivers parse it. */
export type ConnectedAccountStatusEvent = ConnectedAccountEventEnvelope & {
  type: typeof STATUS_UPDATED_EVENT;
  data: ConnectedAccountEventData & { old_status: string };
};

const TYPES: Readonly<Record<AccountEvent["type"], ConnectedAccountEventType>> = {
  created: CREATED_EVENT,
  updated: UPDATED_EVENT,
  status_updated: STATUS_UPDATED_EVENT,
  deleted: DELETED_EVENT,
  magic_link_generated: MAGIC_LINK_GENERATED_EVENT,
  token_refresh_succeeded: TOKEN_REFRESH_SUCCEEDED_EVENT,
};

const DISPLAY_NAMES: Readonly<Record<AccountEvent["type"], string>> = {
  created: "Connected account created",
  updated: "Connected account updated",
  status_updated: "Connected account status updated",
  deleted: "Connected account deleted",
  magic_link_generated: "Magic link generated",
  token_refresh_succeeded: "Token refresh succeeded",
};

/** Builds the envelope now, while the account still holds the state the event describes. */
export function eventEnvelope(
  event: AccountEvent,
  context: { environmentId: string; occurredAt: number },
): ConnectedAccountEventEnvelope {
  const { account } = event;
  return {
    spec_version: "1",
    id: randomId("evt_"),
    type: TYPES[event.type],
    occurred_at: new Date(context.occurredAt).toISOString(),
    environment_id: context.environmentId,
    ...(account.organizationId !== "" && { organization_id: account.organizationId }),
    object: "ConnectedAccount",
    display_name: DISPLAY_NAMES[event.type],
    data: {
      id: account.id,
      identifier: account.identifier,
      connection_id: account.connection.id,
      connection_name: account.connection.name,
      provider: account.connection.provider,
      authorization_type: account.connection.authorization,
      status: statusName(account.status),
      ...(event.type === "status_updated" && { old_status: statusName(event.oldStatus) }),
      ...(account.tokenExpiresAt !== undefined && {
        token_expires_at: new Date(account.tokenExpiresAt).toISOString(),
      }),
      ...(account.lastUsedAt !== undefined && { last_used_at: new Date(account.lastUsedAt).toISOString() }),
    },
  };
}
