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

/**
 * Keys whose values are secrets wherever they sit in a log object, in any spelling: `accessToken`,
 * `access_token` (OAuth's wire form), `Access-Token`.
 */
const SECRET_KEYS = new Set([
  "accesstoken",
  "refreshtoken",
  "idtoken",
  "clientsecret",
  "apikey",
  "xapikey",
  "authorization",
  "cookie",
  "setcookie",
  "token",
  "secret",
  "webhooksecret",
  "signingsecret",
  "privatekey",
  "password",
]);

function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.replace(/[_-]/g, "").toLowerCase());
}

/** A log object with secret-named values censored and secret patterns scrubbed (a copy). */
export function redactLogObject(value: unknown, extra: readonly string[] = []): unknown {
  let text: string;
  try {
    text = JSON.stringify(value, (key, item) => (isSecretKey(key) ? "[redacted]" : item));
  } catch {
    return "[unserializable]";
  }
  if (text === undefined) return value;
  // The secrets as they read inside JSON text too: one holding a quote or a backslash is escaped.
  const escaped = extra
    .map((secret) => JSON.stringify(secret).slice(1, -1))
    .filter((form) => !extra.includes(form));
  return JSON.parse(scrubSecrets(text, [...extra, ...escaped]));
}

/** What each redacting logger wraps, so wrapping it again redacts once, with both lists of secrets. */
const WRAPPED = new WeakMap<Logger, { inner: Logger; secrets: readonly string[] }>();

/**
 * `logger` with every line redacted: secret-named values, secret patterns and `secrets` themselves.
 * A logger this made is not wrapped twice (the CLI's file logger handed to the runtime): the new
 * one wraps the same target with the secrets of both.
 */
export function redactingLogger(logger: Logger, secrets: readonly string[] = []): Logger {
  const wrapped = WRAPPED.get(logger);
  const inner = wrapped?.inner ?? logger;
  const all = wrapped ? [...new Set([...wrapped.secrets, ...secrets])] : secrets;
  const clean = (object: Record<string, unknown>, message: string | undefined) =>
    [
      redactLogObject(object, all) as Record<string, unknown>,
      message === undefined ? undefined : scrubSecrets(message, all),
    ] as const;
  const redacting: Logger = {
    error: (object, message) => inner.error(...clean(object, message)),
    warn: (object, message) => inner.warn(...clean(object, message)),
    info: (object, message) => inner.info(...clean(object, message)),
    debug: (object, message) => inner.debug(...clean(object, message)),
  };
  WRAPPED.set(redacting, { inner, secrets: all });
  return redacting;
}
