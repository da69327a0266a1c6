import { GrpcCode, HostedToolError } from "../scalekit/index.js";

type Scalar = "string" | "number" | "boolean" | "object";

/**
 * A tool call's parameters, read by type. A present value of the wrong type is refused as
 * Scalekit's schema validation would; an absent (or null) one reads as undefined.
 */
export class ToolInput {
  constructor(private readonly params: Record<string, unknown>) {}

  string(name: string): string | undefined {
    return this.typed(name, "string") as string | undefined;
  }

  number(name: string): number | undefined {
    return this.typed(name, "number") as number | undefined;
  }

  boolean(name: string): boolean | undefined {
    return this.typed(name, "boolean") as boolean | undefined;
  }

  object(name: string): Record<string, unknown> | undefined {
    return this.typed(name, "object") as Record<string, unknown> | undefined;
  }

  /** A string that must be given and not blank. */
  required(name: string): string {
    const value = this.string(name);
    if (value === undefined || value.trim() === "") throw invalidInput(`"${name}" is required`);
    return value;
  }

  /** A list of strings, also accepted as one comma-separated string. */
  list(name: string): string[] | undefined {
    const value = this.params[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value === "string")
      return value
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean);
    if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value as string[];
    throw invalidInput(`"${name}" must be an array of strings`);
  }

  array(name: string): unknown[] | undefined {
    const value = this.params[name];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) throw invalidInput(`"${name}" must be an array`);
    return value;
  }

  private typed(name: string, type: Scalar): unknown {
    const value = this.params[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== type || (type === "object" && Array.isArray(value))) {
      throw invalidInput(`"${name}" must be a ${type}`);
    }
    return value;
  }
}

/** The error Scalekit answers for parameters its schema validation refuses. */
export function invalidInput(message: string): HostedToolError {
  return new HostedToolError(GrpcCode.InvalidArgument, "INVALID_INPUT", message);
}
