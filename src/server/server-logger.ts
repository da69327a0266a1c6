import { getLogger } from "@langchain/langgraph-sdk/logging";
import { type Logger, noopLogger } from "../logger.js";

/**
 * Delegate's logger interface on top of the LangGraph server's own logger (registered by the
 * server before graphs load). Outside the server it is the no-op logger: nothing is printed.
 */
export function serverLogger(): Logger {
  let target: ReturnType<typeof getLogger>;
  try {
    target = getLogger();
  } catch {
    return noopLogger;
  }
  return {
    error: (object, message) => void target.error(message ?? "", object),
    warn: (object, message) => void target.warn(message ?? "", object),
    info: (object, message) => void target.info(message ?? "", object),
    debug: (object, message) => void target.debug(message ?? "", object),
  };
}
