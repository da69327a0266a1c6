import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type {
  ConnectedAccountForListSchema,
  ConnectedAccountSchema,
} from "@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/connected_accounts/connected_accounts_pb.js";
import { ConnectorStatus } from "./account-status.js";
import type { AccountRecord } from "./account-store.js";
import { connectorType } from "./connection-profiles.js";

/** Fields shared by ConnectedAccount and ConnectedAccountForList (no `$typeName`, so it fits both). */
function accountFields(account: AccountRecord) {
  return {
    id: account.id,
    identifier: account.identifier,
    provider: account.connection.provider,
    status: account.status,
    authorizationType: connectorType(account.connection.authorization),
    connector: account.connection.name,
    connectionId: account.connection.id,
    updatedAt: timestampFromMs(account.updatedAt),
    ...(account.tokenExpiresAt !== undefined && { tokenExpiresAt: timestampFromMs(account.tokenExpiresAt) }),
    ...(account.lastUsedAt !== undefined && { lastUsedAt: timestampFromMs(account.lastUsedAt) }),
  };
}

export function accountForList(
  account: AccountRecord,
): MessageInitShape<typeof ConnectedAccountForListSchema> {
  return accountFields(account);
}

/** The account without its credentials (GetConnectedAccountDetails, GetConnectedAccount, Disconnect). */
export function accountWithoutCredentials(
  account: AccountRecord,
): MessageInitShape<typeof ConnectedAccountSchema> {
  return {
    ...accountFields(account),
    ...(account.apiConfig !== undefined && { apiConfig: account.apiConfig }),
  };
}

/**
 * With `authorization_details` (field 5) when the account is ACTIVE: `oauth_token` for OAuth
 * accounts, `static_auth` for API key / bearer / basic ones.
 */
export function accountWithCredentials(
  account: AccountRecord,
): MessageInitShape<typeof ConnectedAccountSchema> {
  const message = accountWithoutCredentials(account);
  if (account.status !== ConnectorStatus.ACTIVE) return message;
  if (account.staticAuth !== undefined) {
    message.authorizationDetails = {
      details: { case: "staticAuth", value: { details: structuredClone(account.staticAuth) } },
    };
  } else if (account.accessToken !== undefined) {
    message.authorizationDetails = {
      details: {
        case: "oauthToken",
        value: {
          accessToken: account.accessToken,
          refreshToken: account.refreshToken ?? "",
          scopes: account.scopes,
        },
      },
    };
  }
  return message;
}
