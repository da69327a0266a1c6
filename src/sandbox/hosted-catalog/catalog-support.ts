import type { ConnectorId } from "../../index.js";
import { GrpcCode, type HostedTool, HostedToolError } from "../scalekit/index.js";
import type { ObjectSchema } from "./json-schema.js";
import { ToolInput } from "./tool-input.js";

/** Connection name per connector (the emulator's dashboard keys), overrides applied. */
export type CatalogConnectionNames = Readonly<Record<ConnectorId, string>>;

/**
 * Scalekit's tool annotations (MCP-style hints on every tool definition). A client derives a
 * tool's effect from them: read-only, additive write, or destructive write.
 */
export interface ToolAnnotations {
  title: string;
  read_only_hint: boolean;
  destructive_hint: boolean;
  idempotent_hint: boolean;
  open_world_hint: boolean;
}

export type ToolEffect = "read" | "write" | "destructive";

/** Reads change nothing and can be repeated. */
export const READ = { read_only_hint: true, destructive_hint: false, idempotent_hint: true } as const;
/** Creates something new (a message, a draft, an event): additive, and repeating it duplicates. */
export const CREATE = { read_only_hint: false, destructive_hint: false, idempotent_hint: false } as const;
/** Overwrites existing data; the same update twice leaves the same state. */
export const UPDATE = { read_only_hint: false, destructive_hint: true, idempotent_hint: true } as const;
/** Removes data; deleting twice leaves it deleted. */
export const DELETE = { read_only_hint: false, destructive_hint: true, idempotent_hint: true } as const;

type Hints = typeof READ | typeof CREATE | typeof UPDATE | typeof DELETE;

/** Every catalog tool talks to a provider on the internet, so `open_world_hint` is always true. */
export function annotations(title: string, hints: Hints): ToolAnnotations {
  return { title, ...hints, open_world_hint: true };
}

/** The effect a client should assume from a definition's annotations (unknown = write). */
export function toolEffect(annotations: Record<string, unknown> | undefined): ToolEffect {
  if (annotations?.read_only_hint === true) return "read";
  if (annotations?.destructive_hint === true) return "destructive";
  return "write";
}

export interface ToolSpec {
  name: string;
  description: string;
  input: ObjectSchema;
  annotations: ToolAnnotations;
  run(input: ToolInput, api: UserApi): Promise<Record<string, unknown>>;
}

/** The provider's API as one user: the call's access token is already attached. */
export type UserApi = (path: string, request?: ProviderRequest) => Promise<unknown>;

/** A connector's tools, bound to its connection and provider label. */
export function defineTools(
  connection: string,
  provider: string,
  api: ProviderApi,
  specs: readonly ToolSpec[],
): HostedTool[] {
  return specs.map((spec) => ({
    connection,
    provider,
    definition: {
      name: spec.name,
      description: spec.description,
      input_schema: spec.input,
      annotations: { ...spec.annotations },
    },
    execute: (call) =>
      spec.run(new ToolInput(call.params), (path, request) => api(call.accessToken, path, request)),
  }));
}

/** The named fields of a provider object, in that order (absent ones as undefined), for a tool's answer. */
export function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((key) => [key, source[key]])) as Pick<T, K>;
}

export interface ProviderRequest {
  method?: string;
  query?: Record<string, string | number | boolean | readonly string[] | undefined>;
  body?: unknown;
}

export type ProviderApi = (accessToken: string, path: string, request?: ProviderRequest) => Promise<unknown>;

/**
 * Calls a provider emulator with the user's live token, as Scalekit calls the provider, and turns
 * failures into tool errors the SDK maps to its `ScalekitTool*Exception` classes.
 */
export function providerApi(providerUrl: string): ProviderApi {
  return async (accessToken, path, request = {}) => {
    const url = new URL(`${providerUrl}${path}`);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value === undefined || value === "") continue;
      if (Array.isArray(value)) for (const item of value) url.searchParams.append(key, String(item));
      else url.searchParams.set(key, String(value));
    }
    const response = await fetch(url, {
      method: request.method ?? "GET",
      headers: {
        authorization: `Bearer ${accessToken}`,
        ...(request.body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    });
    const text = await response.text();
    let parsed: unknown = {};
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = { text };
      }
    }
    throwIfFailed(response.status, parsed, path);
    return parsed;
  };
}

function throwIfFailed(status: number, body: unknown, path: string): void {
  const record = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  // Slack answers 200 with `ok: false` and an error code.
  const slackError = record.ok === false && typeof record.error === "string" ? record.error : undefined;
  if (status < 400 && slackError === undefined) return;
  const detail = slackError ?? providerMessage(record) ?? `HTTP ${status} for ${path}`;
  if (
    status === 401 ||
    ["invalid_auth", "token_revoked", "not_authed", "account_inactive"].includes(slackError ?? "")
  ) {
    throw new HostedToolError(
      GrpcCode.Unauthenticated,
      "UNAUTHORIZED",
      "The provider rejected the access token.",
    );
  }
  if (status === 403 || slackError === "missing_scope") {
    throw new HostedToolError(
      GrpcCode.PermissionDenied,
      "FORBIDDEN",
      `The provider refused access: ${detail}`,
    );
  }
  if (status === 404 || status === 410 || slackError?.endsWith("_not_found")) {
    throw new HostedToolError(GrpcCode.NotFound, "NOT_FOUND", `Not found: ${detail}`);
  }
  if (status === 429 || slackError === "ratelimited") {
    throw new HostedToolError(GrpcCode.ResourceExhausted, "RATE_LIMITED", "Rate limited by the provider.");
  }
  if (status >= 500)
    throw new HostedToolError(GrpcCode.Internal, "PROVIDER_ERROR", `The provider failed: ${detail}`);
  throw new HostedToolError(
    GrpcCode.InvalidArgument,
    "PROVIDER_ERROR",
    `The provider refused the request: ${detail}`,
  );
}

/** Google `error.message`, Graph `error.message`, Notion `message`. */
function providerMessage(body: Record<string, unknown>): string | undefined {
  const error = body.error as { message?: unknown } | undefined;
  if (typeof error?.message === "string") return error.message;
  return typeof body.message === "string" ? body.message : undefined;
}
