import { getLogger } from "@langchain/langgraph-sdk/logging";
import { redactingLogger } from "../log-redaction.js";
import { type Logger, noopLogger } from "../logger.js";

/**
 * Delegate's logger interface on top of the LangGraph server's own logger (registered by the
 * server before graphs load), with the same redaction as the CLI's log file: secret-named values
 * and secret patterns never reach it. Outside the server it is the no-op logger.
 */
export function serverLogger(secrets: readonly string[] = []): Logger {
  let target: ReturnType<typeof getLogger>;
  try {
    target = getLogger();
  } catch {
    return noopLogger;
  }
  return redactingLogger(
    {
      error: (object, message) => void target.error(message ?? "", object),
      warn: (object, message) => void target.warn(message ?? "", object),
      info: (object, message) => void target.info(message ?? "", object),
      debug: (object, message) => void target.debug(message ?? "", object),
    },
    secrets,
  );
}
