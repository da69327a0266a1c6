import type { AuthorizationDetails } from "@scalekit-sdk/node/lib/pkg/grpc/scalekit/v1/connected_accounts/connected_accounts_pb.js";
import { type AccountCredentials, validateStaticDetails } from "./account-credentials.js";
import { type ConnectionProfile, isStaticConnection } from "./connection-profiles.js";
import { invalidArgument } from "./grpc-errors.js";

/**
 * The credentials carried by `AuthorizationDetails` (oneof `details`: 1 oauth_token, 2 static_auth),
 * checked against the connection's kind. Scalekit rejects details that do not fit the connection
 * with InvalidArgument rather than ignoring them; so does the emulator.
 *
 * An all-empty OauthToken means "no details": when the caller gave none, the SDK's
 * getOrCreateConnectedAccount (lib/connected-accounts.js) still sets the oneof, to
 * `oauth_token` (field 1) holding `create(OauthTokenSchema, {})`, for any connection kind.
 */
export function credentialsFromDetails(
  connection: ConnectionProfile,
  details: AuthorizationDetails | undefined,
): AccountCredentials | undefined {
  const oneof = details?.details;
  if (oneof === undefined || oneof.case === undefined) return undefined;
  if (oneof.case === "oauthToken") {
    const token = oneof.value;
    const empty = !token.accessToken && !token.refreshToken && token.scopes.length === 0 && !token.domain;
    if (empty) return undefined;
    if (isStaticConnection(connection)) {
      throw invalidArgument(
        `connection "${connection.name}" uses ${connection.authorization}; send authorization_details.static_auth, not oauth_token`,
      );
    }
    if (!token.accessToken)
      throw invalidArgument("authorization_details.oauth_token.access_token is required");
    return {
      kind: "oauth",
      accessToken: token.accessToken,
      refreshToken: token.refreshToken || undefined,
      scopes: token.scopes.length > 0 ? token.scopes : undefined,
    };
  }
  if (oneof.case === "staticAuth") {
    if (!isStaticConnection(connection)) {
      throw invalidArgument(
        `connection "${connection.name}" uses OAUTH; static_auth details are not accepted`,
      );
    }
    const checked = validateStaticDetails(connection, oneof.value.details ?? {});
    if ("error" in checked) throw invalidArgument(checked.error);
    return checked.ok;
  }
  throw invalidArgument(`authorization_details.${oneof.case} is not supported by this connection`);
}
