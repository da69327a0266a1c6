/**
 * The contract between the Scalekit emulator, which issues provider access tokens on consent,
 * and the provider emulators, which accept only those tokens while they are valid.
 */
export interface TokenGrant {
  /** Scalekit connected-account identifier (the end user). */
  identifier: string;
  /** Connection name the account belongs to, e.g. `gmail`. */
  connection: string;
  scopes: readonly string[];
  expiresAt: Date;
}

export interface TokenVerifier {
  /** The grant behind a live access token; undefined when unknown, expired or revoked. */
  verify(accessToken: string): TokenGrant | undefined;
}
