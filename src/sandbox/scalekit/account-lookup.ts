import { type ScopeInput, scopeOf } from "./account-scope.js";
import type { AccountRecord, AccountStore } from "./account-store.js";
import type { ConnectionProfile } from "./connection-profiles.js";
import { accountNotFound, connectionNotFound, invalidArgument } from "./grpc-errors.js";

/** How account RPCs address one account: by `id`, or by connector + identifier (+ scope). */
export interface AccountLocator extends ScopeInput {
  id?: string | undefined;
  connector?: string | undefined;
  identifier?: string | undefined;
}

/**
 * By id, or by connection name + identifier + organization_id + user_id, as every account RPC
 * addresses one (e.g. GetConnectedAccountByIdentifierRequest: 1 organization_id, 2 user_id,
 * 3 connector, 4 identifier, 5 id). Absent scope fields mean "not scoped", so an identifier-only
 * lookup never finds an organization's account. With an id, any other field that is given must
 * agree with the account: a caller naming acme never reads globex's account by its id.
 */
export function resolveAccount(store: AccountStore, locator: AccountLocator): AccountRecord {
  if (locator.id) {
    const account = store.byId(locator.id);
    if (account === undefined || !agrees(account, locator)) throw accountNotFound();
    return account;
  }
  const connection = requireConnection(store, locator.connector);
  const account = store.find({
    connection: connection.name,
    identifier: requireIdentifier(locator.identifier),
    ...scopeOf(locator),
  });
  if (account === undefined) throw accountNotFound();
  return account;
}

function agrees(account: AccountRecord, locator: AccountLocator): boolean {
  return (
    (!locator.organizationId || locator.organizationId === account.organizationId) &&
    (!locator.userId || locator.userId === account.userId) &&
    (!locator.connector || locator.connector === account.connection.name) &&
    (!locator.identifier || locator.identifier === account.identifier)
  );
}

export function requireConnection(store: AccountStore, name: string | undefined): ConnectionProfile {
  if (!name) throw invalidArgument("connector is required");
  const connection = store.connection(name);
  if (connection === undefined) throw connectionNotFound(name);
  return connection;
}

export function requireIdentifier(identifier: string | undefined): string {
  if (!identifier) throw invalidArgument("identifier is required");
  return identifier;
}
