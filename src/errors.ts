/**
 * Delegate's typed errors. Identity is a `Symbol.for` brand plus `code`, never `instanceof`
 * alone, so errors survive duplicate copies of the package and crossing module graphs.
 */
const BRAND = Symbol.for("delegate.error");

/**
 * Every code means one thing; the README lists them. Codes are stable API: callers branch on
 * them (`isDelegateError(e, "THREAD_BUSY")`), never on messages.
 */
export type DelegateErrorCode =
  /** Configuration (options or environment variables) is invalid or incomplete. */
  | "CONFIG_INVALID"
  /** A call's arguments are invalid: an empty message, a malformed user or thread id. */
  | "INVALID_INPUT"
  | "AUTHORIZATION_REQUIRED"
  | "SCALEKIT_UNAVAILABLE"
  | "SCALEKIT_CREDENTIALS_INVALID"
  | "CONNECTION_NOT_CONFIGURED"
  | "PROVIDER_TOKEN_REJECTED"
  | "PROVIDER_ERROR"
  | "SCALEKIT_ERROR"
  | "TOOL_FAILED"
  | "MODEL_UNAVAILABLE"
  /** A turn called the model `maxModelCalls` times without finishing, and stopped. */
  | "TURN_LIMIT_REACHED"
  /** No such thread for this user (threads are per user: another user's thread is never found). */
  | "THREAD_NOT_FOUND"
  /** The thread exists but is not waiting for an authorization or a decision. */
  | "THREAD_NOT_WAITING"
  /** A new message on a thread that waits for a connection or a decision: settle or cancel that first. */
  | "THREAD_BUSY"
  /** Another caller or replica is resuming the thread (resume, cancel, decide): look again once it ends. */
  | "THREAD_RESUMING"
  /** The runtime was closed: create a new one. */
  | "RUNTIME_CLOSED"
  /** The caller is not authenticated (the LangGraph server without a valid token). */
  | "UNAUTHENTICATED"
  | "UNKNOWN_CONNECTOR"
  /** A user-verification redirect was refused: forged, expired or replayed state, another user, or Scalekit said no. */
  | "VERIFICATION_REFUSED"
  | "SCRIPT_INVALID"
  | "SANDBOX_ONLY"
  | "INTERNAL";

export interface DelegateErrorOptions {
  cause?: unknown;
  /** Extra structured, secret-free data for callers (connection name, HTTP status…). */
  details?: Record<string, unknown>;
}

export class DelegateError extends Error {
  readonly [BRAND] = true;
  readonly code: DelegateErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: DelegateErrorCode, message: string, options: DelegateErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "DelegateError";
    this.code = code;
    this.details = options.details ?? {};
  }

  static isInstance(value: unknown): value is DelegateError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** A plain, secret-free shape for events and logs. */
  toJSON(): { code: DelegateErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function isDelegateError(value: unknown, code?: DelegateErrorCode): value is DelegateError {
  return DelegateError.isInstance(value) && (code === undefined || value.code === code);
}

/** The message of any thrown value, without a stack. */
export function errorMessage(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/**
 * Upstream text (a provider's or Scalekit's error message) fit to show a person and the model:
 * one short line that reads like a message. Anything else — a body with stack frames, source
 * files, paths or markup, a long dump — stays in the log (as the error's `cause`) and is left out.
 */
export function presentableDetail(text: string | undefined, max = 200): string | undefined {
  const line = text?.trim();
  if (!line || line.length > max || /[\r\n]/.test(line)) return undefined;
  if (/<\/?[a-z][^>]*>/i.test(line)) return undefined;
  if (/\bat\s+\S+\s+\(|\.(?:go|py|js|mjs|cjs|ts|java|rb|php|cs|rs|cpp|c|h)(?::\d+)?\b/.test(line))
    return undefined;
  if (/(?:^|[\s("'=])(?:\/[\w.@-]+){2,}|[A-Za-z]:\\/.test(line)) return undefined;
  if (/\b(?:exception|traceback|panic|stack ?trace|segfault|sqlstate|ORA-\d+)\b/i.test(line))
    return undefined;
  return line.replace(/\.$/, "");
}

/** The upstream text a DelegateError keeps for the log (its `cause`), if any. */
export function upstreamText(error: unknown): string | undefined {
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause === undefined ? undefined : errorMessage(cause);
}
