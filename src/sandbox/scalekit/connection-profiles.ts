import { createHash } from "node:crypto";

/**
 * How accounts on a connection authenticate: the `ConnectorType` values (connected_accounts.proto)
 * the emulator models. OAuth accounts are authorized on a consent page and hold provider tokens;
 * the others hold static credentials (`AuthorizationDetails.static_auth`, field 2).
 */
export type AuthorizationKind = "OAUTH" | "API_KEY" | "BEARER_TOKEN" | "BASIC_AUTH";

export interface ConnectionOptions {
  /** Shown on the consent page; defaults to the connection name. */
  displayName?: string;
  /** Provider label on accounts and tools; defaults to the upper-cased connection name. */
  provider?: string;
  /** Scopes granted on consent and listed on the consent page (OAuth only); default none. */
  scopes?: string[];
  /** Default `OAUTH`. */
  authorizationType?: AuthorizationKind;
  /**
   * Static connections: the credential fields an account must supply (in `static_auth.details`
   * and on the hosted credential form). Defaults: API_KEY `api_key`, BEARER_TOKEN `token`,
   * BASIC_AUTH `username` and `password`.
   */
  staticAuthFields?: string[];
}

/** A connection as configured in the (emulated) Scalekit dashboard. */
export interface ConnectionProfile {
  /** Connection name (dashboard key id), e.g. `gmail`. */
  name: string;
  id: string;
  displayName: string;
  provider: string;
  scopes: readonly string[];
  authorization: AuthorizationKind;
  /** Required credential fields; empty for OAuth. */
  staticAuthFields: readonly string[];
}

const DEFAULT_STATIC_FIELDS: Readonly<Record<Exclude<AuthorizationKind, "OAUTH">, readonly string[]>> = {
  API_KEY: ["api_key"],
  BEARER_TOKEN: ["token"],
  BASIC_AUTH: ["username", "password"],
};

const KINDS: readonly AuthorizationKind[] = ["OAUTH", "API_KEY", "BEARER_TOKEN", "BASIC_AUTH"];

export function connectionProfiles(
  connections: Readonly<Record<string, ConnectionOptions>>,
): ConnectionProfile[] {
  return Object.entries(connections).map(([name, options]) => {
    const authorization = options.authorizationType ?? "OAUTH";
    if (!KINDS.includes(authorization)) {
      throw new TypeError(`connection "${name}": unsupported authorizationType "${authorization}"`);
    }
    const staticAuthFields =
      authorization === "OAUTH"
        ? []
        : [...(options.staticAuthFields ?? DEFAULT_STATIC_FIELDS[authorization])];
    return {
      name,
      id: connectionId(name),
      displayName: options.displayName ?? name,
      provider: options.provider ?? name.toUpperCase(),
      scopes: [...(options.scopes ?? [])],
      authorization,
      staticAuthFields,
    };
  });
}

export function isStaticConnection(profile: ConnectionProfile): boolean {
  return profile.authorization !== "OAUTH";
}

/** Stable per name, like a dashboard id that survives restarts; decimal, as real `conn_` ids are. */
function connectionId(name: string): string {
  const hash = BigInt(`0x${createHash("sha256").update(name).digest("hex").slice(0, 16)}`);
  return `conn_${(hash % 900_000_000_000_000_000n) + 100_000_000_000_000_000n}`;
}
