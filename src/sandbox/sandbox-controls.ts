import { type ConnectionNames, type ConnectorId, type Identity, scalekitIdentifier } from "../index.js";
import type { AccountStatusName } from "./scalekit/account-status.js";
import type { ScalekitEmulator } from "./scalekit/index.js";

/**
 * What a person or a provider does, played in the sandbox: the CLI, scripts and tests drive the
 * sandbox through these, by Delegate identity and connector, never through the emulator's
 * account keys. Every change reaches the runtime as Scalekit would tell it: a signed webhook.
 */
export interface SandboxControls {
  /** Consent without a browser: the account becomes ACTIVE with fresh tokens. */
  approve(identity: Identity, connector: ConnectorId): Promise<void>;
  /** Refusal: the account's outstanding links are used up; its status is unchanged. */
  deny(identity: Identity, connector: ConnectorId): Promise<void>;
  /** The account's outstanding links lapse now (as if their lifetime had passed). */
  expireLinks(identity: Identity, connector: ConnectorId): void;
  /** Disconnected at Scalekit: DISCONNECTED, tokens invalid, a webhook says so. Throws if never connected. */
  revoke(identity: Identity, connector: ConnectorId): void;
  /**
   * Revoked at the provider only: Scalekit still says ACTIVE and hands out the token, which the
   * provider refuses; Delegate finds out when a call fails. Throws if never connected.
   */
  revokeAtProvider(identity: Identity, connector: ConnectorId): void;
  /** Refresh failed at the provider: EXPIRED. Throws if never connected. */
  expire(identity: Identity, connector: ConnectorId): void;
  /** The account's status in the emulator, or undefined when it has none. */
  status(identity: Identity, connector: ConnectorId): AccountStatusName | undefined;
}

/**
 * Controls keyed like Delegate's Scalekit adapter keys accounts: the identifier plus, when the
 * adapter sends them (`identityFields`, the default), the organization and user fields.
 */
export function sandboxControls(
  scalekit: ScalekitEmulator,
  names: ConnectionNames,
  identityFields = true,
): SandboxControls {
  const scope = (identity: Identity) =>
    identityFields ? { userId: identity.userId, organizationId: identity.organizationId ?? "" } : {};
  const at = (identity: Identity, connector: ConnectorId) =>
    [scalekitIdentifier(identity), names[connector], scope(identity)] as const;
  return {
    approve: (identity, connector) => scalekit.approve(...at(identity, connector)),
    deny: (identity, connector) => scalekit.deny(...at(identity, connector)),
    expireLinks: (identity, connector) =>
      scalekit.expireLinks(scalekitIdentifier(identity), names[connector]),
    revoke: (identity, connector) => scalekit.revokeAccount(...at(identity, connector)),
    revokeAtProvider: (identity, connector) => scalekit.revokeAtProvider(...at(identity, connector)),
    expire: (identity, connector) => scalekit.expireAccount(...at(identity, connector)),
    status: (identity, connector) => scalekit.getAccount(...at(identity, connector))?.status,
  };
}
