import type { Logger } from "./logger.js";

/**
 * Keeping secrets out of logs: free-text patterns (bearer tokens, provider and OpenAI keys,
 * webhook secrets) and, in log objects, every value under a secret-named key. Every logger
 * Delegate writes to goes through it: the CLI's file, the LangGraph server's, an embedder's.
 */

/** Free-text patterns of secrets that path redaction cannot see. */
const SECRET_PATTERNS: RegExp[] = [
  /\b(Bearer\s+)[A-Za-z0-9._~+/-]+=*/gi,
  /\b(sk-[A-Za-z0-9_-]{8,})/g,
  /\b(ya29\.[A-Za-z0-9._-]+)/g,
  /\b(xox[abpr]-[A-Za-z0-9-]+)/g,
  /\b(whsec_[A-Za-z0-9+/=]+)/g,
  /(client_secret=)[^&\s]+/gi,
];

export function scrubSecrets(text: string, extra: readonly string[] = []): string {
  let out = text;
  for (const secret of extra) if (secret.length >= 6) out = out.split(secret).join("[redacted]");
  for (const pattern of SECRET_PATTERNS) {
    out = out.replace(pattern, (_match, prefix: string) =>
      prefix && /^(Bearer\s+|client_secret=)$/i.test(prefix) ? `${prefix}[redacted]` : "[redacted]",
    );
  }
  return out;
}

/** Keys whose values are secrets wherever they sit in a log object. */
const SECRET_KEYS = /^(accessToken|refreshToken|clientSecret|apiKey|authorization|token|secret|password)$/i;

/** A log object with secret-named values censored and secret patterns scrubbed (a copy). */
export function redactLogObject(value: unknown, extra: readonly string[] = []): unknown {
  let text: string;
  try {
    text = JSON.stringify(value, (key, item) => (SECRET_KEYS.test(key) ? "[redacted]" : item));
  } catch {
    return "[unserializable]";
  }
  return text === undefined ? value : JSON.parse(scrubSecrets(text, extra));
}

/** `logger` with every line redacted: secret-named values, secret patterns and `secrets` themselves. */
export function redactingLogger(logger: Logger, secrets: readonly string[] = []): Logger {
  const clean = (object: Record<string, unknown>, message: string | undefined) =>
    [
      redactLogObject(object, secrets) as Record<string, unknown>,
      scrubSecrets(message ?? "", secrets),
    ] as const;
  return {
    error: (object, message) => logger.error(...clean(object, message)),
    warn: (object, message) => logger.warn(...clean(object, message)),
    info: (object, message) => logger.info(...clean(object, message)),
    debug: (object, message) => logger.debug(...clean(object, message)),
  };
}
