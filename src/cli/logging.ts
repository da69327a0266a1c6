import { join } from "node:path";
import pino from "pino";
import { DelegateError } from "../errors.js";
import { redactingLogger } from "../log-redaction.js";
import type { Logger } from "../logger.js";
import { keepPrivate, makeDirectory } from "../runtime/make-directory.js";

export interface FileLogger extends Logger {
  path: string;
  flush(): void;
}

/**
 * The CLI's logger: JSON lines in `<dataDir>/logs/delegate.log`, never on stdout (which carries
 * the chat or transcript). Secrets are redacted by key (at any depth) and by pattern, and any string listed in
 * `secrets` (the configured client secret and API key) is removed from every message.
 */
export function createFileLogger(dataDir: string, level: string, secrets: readonly string[]): FileLogger {
  const dir = join(dataDir, "logs");
  try {
    makeDirectory(dir);
    keepPrivate(dir);
  } catch (error) {
    throw new DelegateError(
      "CONFIG_INVALID",
      `DELEGATE_DATA_DIR "${dataDir}" is not usable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); point it at a writable folder.`,
    );
  }
  const path = join(dir, "delegate.log");
  // The log names threads, connections and errors from providers: its owner's only (0600).
  const destination = pino.destination({ dest: path, sync: true, mode: 0o600 });
  keepPrivate(path);
  const base = pino({ level: level === "silent" ? "silent" : level }, destination);
  // The same redaction as the LangGraph server's and an embedder's logger: secret-named values at
  // any depth, secret patterns in any text, and `secrets` themselves.
  const redacting = redactingLogger(
    {
      error: (object, message) => base.error(object, message),
      warn: (object, message) => base.warn(object, message),
      info: (object, message) => base.info(object, message),
      debug: (object, message) => base.debug(object, message),
    },
    secrets,
  );
  // The redacting logger itself, so the runtime that gets it redacts nothing twice.
  return Object.assign(redacting, { path, flush: () => destination.flushSync() });
}
