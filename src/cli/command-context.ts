import type { DelegateConfig } from "../index.js";
import type { FileLogger } from "./logging.js";

/** What `main` hands every command: the validated configuration, the log, the default user. */
export interface CommandContext {
  config: DelegateConfig;
  logger: FileLogger;
  defaultUser: string;
}

export type Command = (argv: string[], context: CommandContext) => Promise<number>;
