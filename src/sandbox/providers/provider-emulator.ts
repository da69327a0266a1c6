import type { ConnectorId } from "../../index.js";
import type { TokenGrant } from "../token-grants.js";

/** A provider request after the shared server has authenticated its bearer token. */
export interface ProviderHttpRequest {
  method: string;
  /** Path without the query string, e.g. `/gmail/v1/users/me/messages`. */
  path: string;
  query: URLSearchParams;
  /** Parsed JSON body (or the raw string when it is not JSON); undefined when empty. */
  body: unknown;
  grant: TokenGrant;
}

export interface ProviderHttpResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * One provider's stand-in (Gmail, Calendar, Slack, Notion, Graph). It owns a path prefix on the
 * shared provider server and per-user seeded data keyed by the grant's identifier.
 */
export interface ProviderEmulator {
  connector: ConnectorId;
  /** Paths this emulator serves, e.g. `/gmail/v1/`. Prefixes of different emulators never overlap. */
  pathPrefixes: readonly string[];
  /** The answer this provider gives to a missing, unknown, expired or revoked token. */
  unauthorized(): ProviderHttpResponse;
  /** The answer for a token that lacks `scope`. */
  insufficientScope(scope: string): ProviderHttpResponse;
  /** The scope a request needs, or undefined when any granted scope will do. */
  requiredScope?(request: Omit<ProviderHttpRequest, "grant">): string | undefined;
  handle(request: ProviderHttpRequest): Promise<ProviderHttpResponse> | ProviderHttpResponse;
}

/** A JSON error answer in Google's shape, shared by the Gmail and Calendar emulators. */
export function googleError(status: number, message: string, reason: string): ProviderHttpResponse {
  const statusNames: Record<number, string> = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
  };
  return {
    status,
    body: {
      error: {
        code: status,
        message,
        status: statusNames[status] ?? "UNKNOWN",
        errors: [{ reason, message }],
      },
    },
  };
}

/** Google's 401 message for a bad token, word for word (the Gmail and Calendar emulators send it). */
export const GOOGLE_INVALID_CREDENTIALS =
  "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.";

/** The `www-authenticate` challenges Google sends with a 401 and with a 403 for a missing scope. */
export const GOOGLE_CHALLENGE = {
  invalidToken: 'Bearer realm="https://accounts.google.com/", error="invalid_token"',
  insufficientScope: (scope: string) =>
    `Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="${scope}"`,
} as const;

/** A JSON object (not null, not an array): what every emulator wants as a request body. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The path below `prefix`, split into URL-decoded segments (a malformed escape stays as sent). */
export function pathSegments(path: string, prefix: string): string[] {
  return path
    .slice(prefix.length)
    .split("/")
    .filter(Boolean)
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    });
}
