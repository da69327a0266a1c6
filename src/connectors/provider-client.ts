import { setTimeout as sleep } from "node:timers/promises";
import { DelegateError, presentableDetail } from "../errors.js";
import { CONNECTORS, type ConnectorId } from "./registry.js";

export interface RetryPolicy {
  /** Retries after the first attempt for 429 and 5xx answers and network failures. */
  maxRetries: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 3, initialDelayMs: 250, maxDelayMs: 8_000 };

type QueryValue = string | number | boolean | undefined | readonly string[];

export interface ProviderRequest {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
}

/**
 * How a provider reports a failure inside a 2xx answer (Slack's `{ok:false}`), translated to
 * the HTTP status it means so one mapping serves every provider.
 */
export interface ProviderFailure {
  status: number;
  /** What the provider said. Shown only when it reads like a message; always kept for the log. */
  message: string;
  /** The message is a raw body (not a field of a structured error): log it, never show it. */
  raw?: boolean;
  /** A network failure before the request left (connection refused, name not resolved). */
  notSent?: boolean;
  scope?: string;
  retryAfterMs?: number;
}

export type BodyInterpreter = (status: number, body: unknown) => ProviderFailure | undefined;

export interface ProviderClientOptions {
  connector: ConnectorId;
  baseUrl: string;
  /** Secret. Sent only in the Authorization header; scrubbed from every error message. */
  accessToken: string;
  retry?: RetryPolicy;
  interpretBody?: BodyInterpreter | undefined;
  /**
   * The call changes something (send, create, delete): retry only failures that mean the provider
   * did not act (429, 502–504, refused connections), so nothing is done twice.
   */
  sideEffect?: boolean;
  /** Extra headers sent with every request (never the authorization header). */
  headers?: Readonly<Record<string, string>>;
  signal?: AbortSignal;
}

/**
 * A minimal REST client for one provider call with the user's token: retries 429/5xx with
 * backoff honouring Retry-After, and maps failures to Delegate's typed errors. A 401 becomes
 * PROVIDER_TOKEN_REJECTED, which the agent turns into re-authorization.
 */
export class ProviderClient {
  readonly #options: ProviderClientOptions;
  readonly #retry: RetryPolicy;

  constructor(options: ProviderClientOptions) {
    this.#options = options;
    this.#retry = options.retry ?? DEFAULT_RETRY;
  }

  async request<T = unknown>(request: ProviderRequest): Promise<T> {
    const url = this.#url(request);
    const method = request.method ?? "GET";
    for (let attempt = 0; ; attempt++) {
      let failure: ProviderFailure;
      try {
        const response = await fetch(url, {
          method,
          headers: {
            ...this.#options.headers,
            authorization: `Bearer ${this.#options.accessToken}`,
            accept: "application/json",
            ...(request.body === undefined ? {} : { "content-type": "application/json" }),
          },
          body: request.body === undefined ? null : JSON.stringify(request.body),
          signal: this.#options.signal ?? null,
        });
        const body = await readBody(response);
        const interpreted = this.#options.interpretBody?.(response.status, body);
        if (response.ok && !interpreted) return body as T;
        failure = interpreted ?? describeHttpFailure(response, body);
      } catch (error) {
        if (this.#options.signal?.aborted) throw error;
        const code = (error as { cause?: { code?: string } }).cause?.code;
        failure = {
          status: 0,
          message: code ?? (error as Error).message,
          raw: code === undefined,
          notSent: code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN",
        };
      }
      const retryable = this.#options.sideEffect
        ? failure.status === 429 || [502, 503, 504].includes(failure.status) || failure.notSent === true
        : failure.status === 0 || failure.status === 429 || failure.status >= 500;
      if (!retryable || attempt >= this.#retry.maxRetries) throw this.#toError(failure, method, request.path);
      await sleep(this.#delay(attempt, failure.retryAfterMs), undefined, { signal: this.#options.signal });
    }
  }

  #delay(attempt: number, retryAfterMs: number | undefined): number {
    if (retryAfterMs !== undefined) return Math.min(retryAfterMs, this.#retry.maxDelayMs);
    const base = Math.min(this.#retry.initialDelayMs * 2 ** attempt, this.#retry.maxDelayMs);
    return base / 2 + Math.random() * (base / 2);
  }

  #url(request: ProviderRequest): string {
    const url = new URL(this.#options.baseUrl.replace(/\/+$/, "") + request.path);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value) url.searchParams.append(key, item);
      else url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  /**
   * The error the model and the person see: the status and what to do, plus the provider's own
   * words only when they read like a message (a 4xx's "channel_not_found", never a 5xx body with
   * internal paths). The provider's full answer stays in `cause`, which the tool log records.
   */
  #toError(failure: ProviderFailure, method: string, path: string): DelegateError {
    const connector = CONNECTORS[this.#options.connector];
    const name = connector.displayName;
    const upstream = this.#scrub(failure.message);
    const options = {
      cause: new Error(
        `${name} answered ${failure.status === 0 ? "nothing" : `HTTP ${failure.status}`}: ${upstream}`,
      ),
      details: { connector: connector.id, status: failure.status, method, path: path.split("?")[0] },
    };
    const http = `HTTP ${failure.status}`;
    const detail = failure.raw ? undefined : presentableDetail(upstream);
    if (failure.status === 401) {
      return new DelegateError(
        "PROVIDER_TOKEN_REJECTED",
        `${name} rejected the access token (${http}${detail ? `: ${detail}` : ""}); the account needs to be reconnected.`,
        options,
      );
    }
    if (failure.status === 403 && failure.scope) {
      return new DelegateError(
        "PROVIDER_ERROR",
        `${name} refused the request (${http}): the connection lacks the scope "${failure.scope}". Reconnect ${name} with that scope enabled in the Scalekit dashboard.`,
        { ...options, details: { ...options.details, scope: failure.scope } },
      );
    }
    if (failure.status === 0) {
      const code = failure.raw ? "network error" : failure.message;
      return new DelegateError(
        "PROVIDER_ERROR",
        `${name} could not be reached (${code}).${this.#uncertain(failure)} Try again in a few minutes.`,
        options,
      );
    }
    if (failure.status === 429 || failure.status >= 500) {
      const what = failure.status === 429 ? "is rate-limiting requests" : "is unavailable right now";
      return new DelegateError(
        "PROVIDER_ERROR",
        `${name} ${what} (${http}).${this.#uncertain(failure)} Try again in a few minutes.`,
        options,
      );
    }
    const [what, advice] =
      failure.status === 404
        ? ["was not found", "Check the id or name, or search for it first."]
        : failure.status === 403
          ? ["refused the request", `The ${name} account may not be allowed to do this.`]
          : ["refused the request", "Check the arguments and try again."];
    return new DelegateError(
      "PROVIDER_ERROR",
      `${name} ${what} (${http})${detail ? `: ${detail}` : ""}. ${advice}`,
      options,
    );
  }

  /** A failed write may still have happened at the provider: say so rather than invite a retry. */
  #uncertain(failure: ProviderFailure): string {
    return this.#options.sideEffect && (failure.status >= 500 || (failure.status === 0 && !failure.notSent))
      ? " The change may or may not have been applied; check before trying again."
      : "";
  }

  #scrub(text: string): string {
    return text.split(this.#options.accessToken).join("[redacted]").slice(0, 500);
  }
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Reads the failure out of Google, Microsoft Graph, Notion and generic error bodies. */
function describeHttpFailure(response: Response, body: unknown): ProviderFailure {
  const structured = extractMessage(body);
  const failure: ProviderFailure = {
    status: response.status,
    message: structured ?? (typeof body === "string" ? body.slice(0, 300) : response.statusText),
    ...(structured === undefined && typeof body === "string" ? { raw: true } : {}),
  };
  const retryAfter = parseRetryAfter(response.headers.get("retry-after"));
  if (retryAfter !== undefined) failure.retryAfterMs = retryAfter;
  const scope = /scope="([^"]+)"/.exec(response.headers.get("www-authenticate") ?? "")?.[1];
  if (scope) failure.scope = scope;
  return failure;
}

function extractMessage(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const record = body as Record<string, unknown>;
  const error = record.error;
  if (typeof error === "object" && error !== null) {
    const message = (error as Record<string, unknown>).message;
    if (typeof message === "string") return message;
  }
  if (typeof error === "string") return error;
  if (typeof record.message === "string") return record.message;
  return undefined;
}

export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
