import { join } from "node:path";
import pino from "pino";
import { DelegateError } from "../errors.js";
import { redactLogObject, scrubSecrets } from "../log-redaction.js";
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
  const base = pino(
    {
      level: level === "silent" ? "silent" : level,
      hooks: {
        logMethod(args, method) {
          // The same redaction as the LangGraph server's logger: secret-named values at any depth
          // and secret patterns in any text.
          const scrubbed = args.map((arg) =>
            typeof arg === "string"
              ? scrubSecrets(arg, secrets)
              : arg && typeof arg === "object"
                ? redactLogObject(arg, secrets)
                : arg,
          );
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
  return {
    path,
    error: (object, message) => base.error(object, message),
    warn: (object, message) => base.warn(object, message),
    info: (object, message) => base.info(object, message),
    debug: (object, message) => base.debug(object, message),
    flush: () => destination.flushSync(),
  };
}
