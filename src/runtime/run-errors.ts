import { type DelegateErrorCode, errorMessage, isDelegateError } from "../errors.js";

/** The HTTP status of a model-provider error, looking through wrappers (middleware errors). */
function providerStatus(error: unknown): number | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const status = (current as { status?: unknown }).status;
    if (typeof status === "number") return status;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

const UNREACHABLE =
  /ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|fetch failed|Connection error|timed? ?out/i;

/** The network error code in a failure, e.g. `ECONNREFUSED`: in its text, or a cause's `code`. */
function networkCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 6; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^E[A-Z]{3,}[A-Z_]*$/.test(code)) return code;
    const named = /\b(E[A-Z]{3,}[A-Z_]*)\b/.exec(errorMessage(current))?.[1];
    if (named) return named;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** A DelegateError the failure is or wraps (langchain wraps what a middleware throws). */
function delegateErrorIn(error: unknown) {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (isDelegateError(current)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function codeOf(error: unknown): DelegateErrorCode {
  const delegate = delegateErrorIn(error);
  if (delegate) return delegate.code;
  if (providerStatus(error) !== undefined) return "MODEL_UNAVAILABLE";
  return UNREACHABLE.test(errorMessage(error)) ? "MODEL_UNAVAILABLE" : "INTERNAL";
}

/**
 * What a person is told when a turn fails: the status and what to do. The upstream text (a
 * provider's error body, a stack, internal paths) goes to the log only; callers log `error`.
 */
export function describeRunError(error: unknown): string {
  const delegate = delegateErrorIn(error);
  if (delegate) return delegate.message;
  const status = providerStatus(error);
  if (status !== undefined) {
    const what =
      status === 401 || status === 403
        ? "Check OPENAI_API_KEY (or the model server's credentials)."
        : status === 429
          ? "It is rate-limiting requests; try again in a minute."
          : status >= 500
            ? "It is having trouble; try again in a moment."
            : "Check the model settings (OPENAI_MODEL, OPENAI_BASE_URL).";
    return `The model provider answered HTTP ${status} after retries. Your message is kept. ${what}`;
  }
  const cause = errorMessage(error);
  if (UNREACHABLE.test(cause)) {
    const code = networkCode(error);
    return `The model could not be reached${code ? ` (${code})` : ""}. Your message is kept; check your network (and OPENAI_BASE_URL, if you set one) and try again.`;
  }
  return "The turn failed because of an internal error (the details are in the log). Your message is kept; try again, and report it if it happens again.";
}
