import { timingSafeEqual } from "node:crypto";
import { randomSecret } from "./random-ids.js";

/** Lifetime Scalekit reports for M2M tokens. */
export const M2M_TOKEN_TTL_SECONDS = 86_399;

export type TokenRequestResult =
  | { ok: true; accessToken: string; expiresIn: number }
  | { ok: false; status: number; error: string; description: string };

/** The environment's API client: issues M2M bearer tokens and checks them on every gRPC call. */
export class ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly #now: () => number;
  readonly #tokens = new Map<string, number>();

  constructor(clientId: string, clientSecret: string, now: () => number) {
    this.clientId = clientId;
    this.clientSecret = clientSecret;
    this.#now = now;
  }

  /** `POST /oauth/token` with a client_credentials form. */
  issue(form: URLSearchParams): TokenRequestResult {
    if (form.get("grant_type") !== "client_credentials") {
      return {
        ok: false,
        status: 400,
        error: "unsupported_grant_type",
        description: "only client_credentials is supported",
      };
    }
    if (!this.accepts(form)) {
      return { ok: false, status: 401, error: "invalid_client", description: "client authentication failed" };
    }
    const accessToken = randomSecret("sbx_m2m_", 32);
    this.#tokens.set(accessToken, this.#now() + M2M_TOKEN_TTL_SECONDS * 1000);
    return { ok: true, accessToken, expiresIn: M2M_TOKEN_TTL_SECONDS };
  }

  /** Whether the form carries this client's id and secret. */
  accepts(form: URLSearchParams): boolean {
    const clientIdMatches = safeEqual(form.get("client_id") ?? "", this.clientId);
    const secretMatches = safeEqual(form.get("client_secret") ?? "", this.clientSecret);
    return clientIdMatches && secretMatches;
  }

  /** Whether an `authorization` header carries a live token issued here. */
  isAuthorized(authorization: string | null | undefined): boolean {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
    const token = match?.[1];
    if (token === undefined) return false;
    const expiresAt = this.#tokens.get(token);
    return expiresAt !== undefined && expiresAt > this.#now();
  }

  /** Invalidates every issued token, as a key rotation would; the SDK re-fetches transparently. */
  revokeAll(): void {
    this.#tokens.clear();
  }
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
