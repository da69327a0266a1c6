/**
 * Scalekit scopes a connected account by connection, identifier and the optional
 * `organization_id` / `user_id` that every account RPC carries (e.g. CreateConnectedAccountRequest
 * fields 1 and 2, GetConnectedAccountByIdentifierRequest fields 1 and 2). The same identifier in
 * two organizations is two accounts. An absent field is stored as "".
 */
export interface AccountScope {
  organizationId: string;
  userId: string;
}

export interface AccountKey extends AccountScope {
  /** Connection name. */
  connection: string;
  identifier: string;
}

/** The optional scope fields as the SDK sends them (proto3 `optional string`). */
export interface ScopeInput {
  organizationId?: string | undefined;
  userId?: string | undefined;
}

export function scopeOf(input: ScopeInput = {}): AccountScope {
  return { organizationId: input.organizationId ?? "", userId: input.userId ?? "" };
}

export function keyString(key: AccountKey): string {
  return JSON.stringify([key.connection, key.identifier, key.organizationId, key.userId]);
}

/**
 * List/filter semantics (ListConnectedAccountsRequest `organization_id` = "Returns only connected
 * accounts associated with this organization"): a field that is absent or empty does not filter.
 */
export function matchesScopeFilter(account: AccountScope, filter: ScopeInput): boolean {
  return (
    (!filter.organizationId || account.organizationId === filter.organizationId) &&
    (!filter.userId || account.userId === filter.userId)
  );
}
