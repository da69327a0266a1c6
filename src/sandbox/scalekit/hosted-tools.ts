import type { Code } from "@connectrpc/connect";

/** A tool the emulator hosts, as Scalekit hosts `gmail_fetch_mails` and friends. */
export interface HostedTool {
  definition: {
    name: string;
    description: string;
    /** JSON Schema of the tool input. */
    input_schema: Record<string, unknown>;
    /** MCP-style hints, as on Scalekit's tool definitions: `read_only_hint`, `destructive_hint`… */
    annotations?: Record<string, unknown>;
  };
  /** Connection name whose account the tool runs with, e.g. `gmail`. */
  connection: string;
  /** Provider label reported on the `Tool` message, e.g. `GMAIL`. */
  provider: string;
  execute(call: HostedToolCall): Promise<Record<string, unknown>>;
}

export interface HostedToolCall {
  identifier: string;
  /** The account's scope; "" when it has none. */
  organizationId: string;
  userId: string;
  params: Record<string, unknown>;
  /** The live provider access token of the user's ACTIVE OAuth account; "" for static-auth accounts. */
  accessToken: string;
  /** The `static_auth.details` of an API key / bearer / basic account. */
  staticAuth?: Record<string, unknown>;
}

/** Tools by name; also accepted as a plain array. */
export type HostedToolRegistry = readonly HostedTool[] | Readonly<Record<string, HostedTool>>;

/**
 * Thrown by a hosted tool to report a provider failure. The emulator turns it into a gRPC error
 * with a `TOOL_ERROR` detail, which the SDK maps to its `ScalekitTool*Exception` classes.
 */
export class HostedToolError extends Error {
  readonly code: Code;
  readonly toolErrorCode: string;

  constructor(code: Code, toolErrorCode: string, message: string) {
    super(message);
    this.name = "HostedToolError";
    this.code = code;
    this.toolErrorCode = toolErrorCode;
  }
}

export function normalizeRegistry(registry: HostedToolRegistry | undefined): Map<string, HostedTool> {
  const tools = new Map<string, HostedTool>();
  if (registry === undefined) return tools;
  const list = Array.isArray(registry) ? registry : Object.values(registry as Record<string, HostedTool>);
  for (const tool of list) tools.set(tool.definition.name, tool);
  return tools;
}
