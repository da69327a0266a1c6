/**
 * Delegate's typed errors. Identity is a `Symbol.for` brand plus `code`, never `instanceof`
 * alone, so errors survive duplicate copies of the package and crossing module graphs.
 */
const BRAND = Symbol.for("delegate.error");

export type DelegateErrorCode =
  | "CONFIG_INVALID"
  | "AUTHORIZATION_REQUIRED"
  | "SCALEKIT_UNAVAILABLE"
  | "SCALEKIT_CREDENTIALS_INVALID"
  | "CONNECTION_NOT_CONFIGURED"
  | "PROVIDER_TOKEN_REJECTED"
  | "PROVIDER_ERROR"
  | "SCALEKIT_ERROR"
  | "TOOL_FAILED"
  | "MODEL_UNAVAILABLE"
  | "THREAD_NOT_FOUND"
  | "THREAD_FORBIDDEN"
  | "THREAD_BUSY"
  | "UNKNOWN_CONNECTOR"
  | "AUTHORIZATION_TIMEOUT"
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
