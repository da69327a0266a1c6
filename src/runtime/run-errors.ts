import { errorMessage, isDelegateError } from "../errors.js";

/** The HTTP status of a model-provider error, looking through wrappers (middleware errors). */
function providerStatus(error: unknown): number | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const status = (current as { status?: unknown }).status;
    if (typeof status === "number") return status;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function codeOf(error: unknown): string {
  if (isDelegateError(error)) return error.code;
  if (providerStatus(error) !== undefined) return "MODEL_UNAVAILABLE";
  return /ECONNREFUSED|fetch failed|Connection error|ENOTFOUND/i.test(errorMessage(error))
    ? "MODEL_UNAVAILABLE"
    : "INTERNAL";
}

export function describeRunError(error: unknown): string {
  if (isDelegateError(error)) return error.message;
  const status = providerStatus(error);
  if (status !== undefined) {
    return `The model provider answered HTTP ${status} after retries (${errorMessage(error).slice(0, 200)}). Your message is kept; try again in a moment.`;
  }
  const cause = errorMessage(error);
  if (/ECONNREFUSED|fetch failed|Connection error|ENOTFOUND|timed? ?out/i.test(cause)) {
    return `The model could not be reached (${cause.slice(0, 200)}). Your message is kept; check OPENAI_BASE_URL or your network and try again.`;
  }
  return `The turn failed: ${cause.slice(0, 300)}`;
}
