/**
 * The logger Delegate's library code writes to. It is injected; the default writes nothing,
 * so embedding Delegate never prints on its own. pino satisfies this interface.
 */
export interface Logger {
  error(object: Record<string, unknown>, message?: string): void;
  warn(object: Record<string, unknown>, message?: string): void;
  info(object: Record<string, unknown>, message?: string): void;
  debug(object: Record<string, unknown>, message?: string): void;
}

export const noopLogger: Logger = {
  error() {},
  warn() {},
  info() {},
  debug() {},
};
