import type { CachedAgentAuth } from "../auth/cached-agent-auth.js";
import { verifyScalekitWebhook } from "../auth/scalekit/scalekit-agent-auth.js";
import type { Logger } from "../logger.js";

/** Scalekit webhooks are small JSON envelopes; anything larger is refused unread. */
export const MAX_WEBHOOK_BYTES = 1024 * 1024;

export interface WebhookInput {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A change to one user's connected account, as a verified webhook reported it. */
export interface AccountChange {
  identifier: string;
  /** Absent when the event does not name the connection: any of the user's may have changed. */
  connection?: string;
  /** The new status (`ACTIVE`, `EXPIRED`, …), when the event carries one. */
  status?: string;
}

export type WebhookOutcome =
  | { status: 200; change: AccountChange }
  | { status: 202 }
  | { status: 400 | 401 | 413; reason: string };

/**
 * Verifies a Scalekit webhook (Standard Webhooks signature, with the SDK's verifier) and keeps
 * the status cache true to it: any change to an account makes what the cache knows stale. The
 * runtime resumes threads from the outcome; the LangGraph server only needs the invalidation.
 */
export class WebhookHandler {
  readonly #secret: string | undefined;
  readonly #auth: CachedAgentAuth;
  readonly #logger: Logger;

  constructor(options: { secret: string | undefined; auth: CachedAgentAuth; logger: Logger }) {
    this.#secret = options.secret;
    this.#auth = options.auth;
    this.#logger = options.logger;
  }

  handle(input: WebhookInput): WebhookOutcome {
    const outcome = this.#handle(input);
    if (outcome.status === 200) {
      this.#logger.debug({ ...outcome.change }, "webhook: account changed");
    } else if (outcome.status !== 202) {
      this.#logger.debug({ status: outcome.status, reason: outcome.reason }, "webhook refused");
    }
    return outcome;
  }

  #handle(input: WebhookInput): WebhookOutcome {
    // An HTTP-ish entry point: a call it cannot read is answered 400, never a TypeError.
    const headers = readHeaders((input as Partial<WebhookInput> | null | undefined)?.headers);
    if (!headers) return { status: 400, reason: "headers must be an object of strings" };
    if (typeof input.body !== "string") {
      return { status: 400, reason: "body must be the raw request body as a string" };
    }
    if (!this.#secret) return { status: 401, reason: "no webhook secret configured" };
    if (Buffer.byteLength(input.body, "utf8") > MAX_WEBHOOK_BYTES) {
      return { status: 413, reason: "body too large" };
    }
    if (!verifyScalekitWebhook(this.#secret, headers, input.body)) {
      return { status: 401, reason: "bad signature" };
    }
    let event: unknown;
    try {
      event = JSON.parse(input.body);
    } catch {
      return { status: 400, reason: "body is not JSON" };
    }
    const { type, data } = (event ?? {}) as { type?: unknown; data?: Record<string, unknown> };
    const identifier = data?.identifier;
    if (
      typeof type !== "string" ||
      !type.startsWith("connected_account.") ||
      typeof identifier !== "string"
    ) {
      return { status: 202 };
    }
    const connection = typeof data?.connection_name === "string" ? data.connection_name : undefined;
    if (connection) this.#auth.invalidateIdentifier(identifier, connection);
    else this.#auth.invalidateIdentifierAll(identifier);
    const change: AccountChange = { identifier };
    if (connection) change.connection = connection;
    if (typeof data?.status === "string") change.status = data.status;
    return { status: 200, change };
  }
}

/** Lower-cased headers as the verifier takes them, or undefined when they are not headers. */
function readHeaders(given: unknown): Record<string, string> | undefined {
  if (typeof given !== "object" || given === null || Array.isArray(given)) return undefined;
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    if (typeof value === "string") headers[key.toLowerCase()] = value;
    else if (Array.isArray(value) && value.every((part) => typeof part === "string")) {
      headers[key.toLowerCase()] = value.join(",");
    } else return undefined;
  }
  return headers;
}
