import type { z } from "zod";
import type { BodyInterpreter, ProviderClient } from "./provider-client.js";
import type { ConnectorId } from "./registry.js";
import type { Effect, TargetField } from "./tool-traits.js";

/** What a connector tool's implementation receives besides its validated input. */
export interface ToolCallContext {
  /** A client bound to the user's token for this call. */
  http: ProviderClient;
  /** The user's IANA time zone, for interpreting and rendering times. */
  timeZone: string;
  now: Date;
}

// biome-ignore lint/suspicious/noExplicitAny: a tool list mixes schemas of every shape
export type AnyObjectSchema = z.ZodObject<any>;

export interface ConnectorToolSpec<S extends AnyObjectSchema = AnyObjectSchema> {
  name: string;
  description: string;
  schema: S;
  /** What the tool does to the world: the approval policy decides by it. */
  effect: Effect;
  /** Arguments naming who or where a write acts on (recipients, channel, attendees, parent page). */
  targets?: readonly TargetField[];
  /** One line for a person, e.g. `Send email to sam@example.com — "Lunch" (42 words)`. */
  summarize?(input: z.infer<S>): string;
  run(input: z.infer<S>, context: ToolCallContext): Promise<unknown>;
}

/** Declares a tool with its input type inferred from its schema. */
export function connectorTool<S extends AnyObjectSchema>(spec: ConnectorToolSpec<S>): ConnectorToolSpec {
  return spec as unknown as ConnectorToolSpec;
}

export interface ConnectorDefinition {
  id: ConnectorId;
  /** The provider's public API base URL; overridable (the sandbox points it at its emulator). */
  defaultBaseUrl: string;
  interpretBody?: BodyInterpreter;
  /** Headers every request to this provider needs (e.g. Notion's API version). */
  headers?: Readonly<Record<string, string>>;
  tools: readonly ConnectorToolSpec[];
}
