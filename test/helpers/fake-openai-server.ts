/**
 * A scriptable OpenAI-compatible Chat Completions server on 127.0.0.1, for testing the real
 * `ChatOpenAI` client end to end (no fetch stubs). Replies come from a queue or a responder; every
 * request body is recorded; streaming follows OpenAI's SSE format, tool-call arguments arriving in
 * fragments as they do from the real API.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface OpenAIToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface OpenAIMessage {
  role: "system" | "developer" | "user" | "assistant" | "tool" | (string & {});
  content?: string | Array<Record<string, unknown>> | null;
  name?: string;
  tool_calls?: OpenAIToolCall[];
  tool_call_id?: string;
}

/** A recorded `POST /v1/chat/completions` body. */
export interface ParsedRequestBody {
  model: string;
  messages: OpenAIMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  tools?: Array<{ type: "function"; function: { name: string; description?: string; parameters?: unknown } }>;
  tool_choice?: unknown;
  [key: string]: unknown;
}

export interface ScriptedToolCall {
  name: string;
  args: Record<string, unknown>;
  id?: string;
}

/** One completion: text, tool calls (optionally with text), or an HTTP error. */
export type ScriptedReply =
  | { text: string; toolCalls?: ScriptedToolCall[] }
  | { toolCalls: ScriptedToolCall[]; text?: string }
  | { error: { status: number; message: string } };

export type Responder = (body: ParsedRequestBody) => ScriptedReply | Promise<ScriptedReply>;

export interface FakeOpenAIOptions {
  /** Computes replies when the queue is empty. */
  responder?: Responder;
  /** Characters per streamed tool-argument fragment (default 7). */
  argumentChunkSize?: number;
}

export interface FakeOpenAI {
  /** Base URL for the client, e.g. `http://127.0.0.1:PORT/v1`. */
  url: string;
  /** Every chat-completions request body, in arrival order (failed ones included). */
  requests: ParsedRequestBody[];
  enqueue(...replies: ScriptedReply[]): void;
  setResponder(responder: Responder | undefined): void;
  /** Answers the next `count` requests with `status` (500 by default). */
  failNext(count: number, status?: number): void;
  close(): Promise<void>;
}

/** Words with their trailing whitespace, so streamed pieces join back exactly. */
function tokens(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

function fragments(text: string, size: number): string[] {
  const parts: string[] = [];
  for (let at = 0; at < text.length; at += size) parts.push(text.slice(at, at + size));
  return parts;
}

function estimateTokens(value: unknown): number {
  return Math.max(1, Math.ceil(JSON.stringify(value ?? "").length / 4));
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json", "x-request-id": randomUUID() });
  response.end(JSON.stringify(body));
}

function sendError(response: ServerResponse, status: number, message: string): void {
  const type = status === 429 ? "rate_limit_error" : status >= 500 ? "server_error" : "invalid_request_error";
  sendJson(response, status, { error: { message, type, param: null, code: null } });
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const queue: ScriptedReply[] = [];
  const requests: ParsedRequestBody[] = [];
  const sockets = new Set<Socket>();
  const chunkSize = Math.max(1, options.argumentChunkSize ?? 7);
  let responder = options.responder;
  let failures: { count: number; status: number } = { count: 0, status: 500 };
  let completions = 0;

  async function nextReply(body: ParsedRequestBody): Promise<ScriptedReply> {
    const scripted = queue.shift();
    if (scripted) return scripted;
    if (responder) return responder(body);
    // 400 is not retried by the client, so a missing script fails the test at once.
    return { error: { status: 400, message: "fake-openai: no scripted reply left and no responder set" } };
  }

  function complete(
    body: ParsedRequestBody,
    reply: { text?: string; toolCalls?: ScriptedToolCall[] },
    response: ServerResponse,
  ) {
    completions += 1;
    // A unique id per completion: LangGraph's reducer would otherwise replace one AI message with the next.
    const id = `chatcmpl-fake-${completions}-${randomUUID().slice(0, 8)}`;
    const created = Math.floor(Date.now() / 1000);
    const model = body.model;
    const toolCalls: OpenAIToolCall[] = (reply.toolCalls ?? []).map((call, index) => ({
      id: call.id ?? `call_${completions}_${index}`,
      type: "function",
      function: { name: call.name, arguments: JSON.stringify(call.args) },
    }));
    const text = reply.text ?? "";
    const finishReason = toolCalls.length ? "tool_calls" : "stop";
    const usage = {
      prompt_tokens: estimateTokens(body.messages),
      completion_tokens: tokens(text).length + estimateTokens(toolCalls),
      total_tokens: 0,
    };
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;

    if (!body.stream) {
      sendJson(response, 200, {
        id,
        object: "chat.completion",
        created,
        model,
        choices: [
          {
            index: 0,
            message: {
              role: "assistant",
              content: toolCalls.length && !text ? null : text,
              ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
              refusal: null,
            },
            logprobs: null,
            finish_reason: finishReason,
          },
        ],
        usage,
      });
      return;
    }

    response.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      response.write(
        `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`,
      );
    chunk({ role: "assistant", content: "" });
    for (const piece of tokens(text)) chunk({ content: piece });
    toolCalls.forEach((call, index) => {
      chunk({
        tool_calls: [
          { index, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } },
        ],
      });
      for (const part of fragments(call.function.arguments, chunkSize)) {
        chunk({ tool_calls: [{ index, function: { arguments: part } }] });
      }
    });
    chunk({}, finishReason);
    if (body.stream_options?.include_usage) {
      response.write(
        `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [], usage })}\n\n`,
      );
    }
    response.write("data: [DONE]\n\n");
    response.end();
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? "/", "http://localhost").pathname.replace(/\/+$/, "");
    if (request.method === "GET" && path === "/v1/models") {
      sendJson(response, 200, {
        object: "list",
        data: [{ id: "test-model", object: "model", created: 0, owned_by: "fake" }],
      });
      return;
    }
    if (request.method !== "POST" || path !== "/v1/chat/completions") {
      sendError(response, 404, `fake-openai: no route for ${request.method} ${path}`);
      return;
    }
    let body: ParsedRequestBody;
    try {
      body = JSON.parse(await readBody(request)) as ParsedRequestBody;
    } catch {
      sendError(response, 400, "fake-openai: the request body is not JSON");
      return;
    }
    requests.push(body);
    if (failures.count > 0) {
      failures = { ...failures, count: failures.count - 1 };
      sendError(response, failures.status, `fake-openai: injected failure (${failures.status})`);
      return;
    }
    const reply = await nextReply(body);
    if ("error" in reply) {
      sendError(response, reply.error.status, reply.error.message);
      return;
    }
    complete(body, reply, response);
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent)
        sendError(response, 500, `fake-openai: ${error instanceof Error ? error.message : String(error)}`);
      else response.end();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    enqueue: (...replies) => {
      queue.push(...replies);
    },
    setResponder: (next) => {
      responder = next;
    },
    failNext: (count, status = 500) => {
      failures = { count, status };
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Throws, as OpenAI's API would reject the request, when an assistant message's tool calls are
 * not each answered by a tool message right after it, or when a tool message answers no call.
 */
export function assertValidOpenAIConversation(messages: readonly OpenAIMessage[]): void {
  let pending = new Map<string, number>();
  messages.forEach((message, index) => {
    if (message.role === "tool") {
      const id = message.tool_call_id ?? "";
      if (!pending.has(id)) {
        throw new Error(
          `Invalid conversation: messages[${index}] is a tool message for tool_call_id "${id}", which no preceding assistant message is waiting for.`,
        );
      }
      pending.delete(id);
      return;
    }
    if (pending.size) {
      const [[, at] = ["", -1]] = pending;
      throw new Error(
        `Invalid conversation: the assistant message at messages[${at}] has tool_calls [${[...pending.keys()].join(", ")}] with no tool message before messages[${index}] (${message.role}).`,
      );
    }
    if (message.role === "assistant" && message.tool_calls?.length) {
      pending = new Map();
      for (const call of message.tool_calls) {
        if (pending.has(call.id))
          throw new Error(`Invalid conversation: messages[${index}] repeats tool_call id "${call.id}".`);
        pending.set(call.id, index);
      }
    }
  });
  if (pending.size) {
    const [[, at] = ["", -1]] = pending;
    throw new Error(
      `Invalid conversation: the assistant message at messages[${at}] has tool_calls [${[...pending.keys()].join(", ")}] that are never answered by tool messages.`,
    );
  }
}
