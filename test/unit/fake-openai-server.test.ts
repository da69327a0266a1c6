import { type AIMessageChunk, HumanMessage, ToolMessage, type UsageMetadata } from "@langchain/core/messages";
import { MemorySaver } from "@langchain/langgraph";
import { ChatOpenAI } from "@langchain/openai";
import { createAgent, tool } from "langchain";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  assertValidOpenAIConversation,
  type FakeOpenAI,
  startFakeOpenAI,
} from "../helpers/fake-openai-server.js";

const searchTool = {
  type: "function" as const,
  function: {
    name: "gmail_search_messages",
    description: "Search Gmail",
    parameters: { type: "object", properties: { query: { type: "string" } } },
  },
};

describe("fake OpenAI server with the real ChatOpenAI", () => {
  let server: FakeOpenAI;
  // `streaming` stays unset: true makes invoke() fetch tiktoken data, false disables .stream() tokens.
  const chat = () =>
    new ChatOpenAI({ model: "test-model", apiKey: "sk-test", configuration: { baseURL: server.url } });

  beforeEach(async () => {
    server = await startFakeOpenAI();
  });
  afterEach(async () => {
    await server.close();
  });

  it("returns scripted tool calls to invoke() with tools bound", async () => {
    server.enqueue({ toolCalls: [{ name: "gmail_search_messages", args: { query: "is:unread" } }] });
    const reply = await chat().bindTools([searchTool]).invoke("show my unread email");
    expect(reply.tool_calls).toEqual([
      expect.objectContaining({
        name: "gmail_search_messages",
        args: { query: "is:unread" },
        id: expect.stringMatching(/^call_/),
      }),
    ]);
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.model).toBe("test-model");
    expect(request?.stream).toBeFalsy();
    expect(request?.tools?.map((t) => t.function.name)).toEqual(["gmail_search_messages"]);
    expect(request?.messages.at(-1)).toMatchObject({ role: "user", content: "show my unread email" });
  });

  it("streams text token by token from .stream()", async () => {
    server.enqueue({ text: "You have two unread messages from Dana." });
    const chunks: AIMessageChunk[] = [];
    for await (const chunk of await chat().stream("hi")) chunks.push(chunk);
    const textChunks = chunks.filter((chunk) => chunk.text.length > 0);
    expect(textChunks.length).toBeGreaterThan(3);
    expect(chunks.map((chunk) => chunk.text).join("")).toBe("You have two unread messages from Dana.");
    expect(server.requests[0]?.stream).toBe(true);
  });

  it("streams tool-call arguments in fragments that assemble into the call", async () => {
    server.enqueue({
      text: "Checking.",
      toolCalls: [{ name: "gmail_search_messages", args: { query: "from:dana newer_than:7d" } }],
    });
    let merged: AIMessageChunk | undefined;
    let fragments = 0;
    for await (const chunk of await chat().bindTools([searchTool]).stream("mail from dana")) {
      if (chunk.tool_call_chunks?.length) fragments += 1;
      merged = merged ? merged.concat(chunk) : chunk;
    }
    expect(fragments).toBeGreaterThan(2);
    expect(merged?.tool_calls).toEqual([
      expect.objectContaining({ name: "gmail_search_messages", args: { query: "from:dana newer_than:7d" } }),
    ]);
    expect(merged?.text).toBe("Checking.");
  });

  it("gives every completion a unique id", async () => {
    server.enqueue({ text: "one" }, { text: "two" });
    const first = await chat().invoke("a");
    const second = await chat().invoke("b");
    expect(first.id).toBeTruthy();
    expect(first.id).not.toBe(second.id);
  });

  it("computes replies with a responder and records a valid tool loop in createAgent", async () => {
    server.setResponder((body) =>
      body.messages.at(-1)?.role === "tool"
        ? { text: "You have 1 unread email, from Dana." }
        : { toolCalls: [{ name: "gmail_search_messages", args: { query: "is:unread" } }] },
    );
    const search = tool(
      async () => JSON.stringify({ messages: [{ id: "m1", from: "Dana", subject: "Invoice" }] }),
      {
        name: "gmail_search_messages",
        description: "Search Gmail",
        schema: z.object({ query: z.string().optional() }),
      },
    );
    const agent = createAgent({ model: chat(), tools: [search], checkpointer: new MemorySaver() });
    const result = await agent.invoke(
      { messages: [new HumanMessage("show my unread email")] },
      { configurable: { thread_id: "fake-openai-loop" } },
    );
    expect(result.messages.map((message) => message.type)).toEqual(["human", "ai", "tool", "ai"]);
    expect(result.messages.at(-1)?.text).toBe("You have 1 unread email, from Dana.");
    expect(server.requests).toHaveLength(2);
    for (const request of server.requests) assertValidOpenAIConversation(request.messages);
    expect(server.requests[1]?.messages.map((message) => message.role)).toEqual([
      "user",
      "assistant",
      "tool",
    ]);
  });

  it("answers with an HTTP error when scripted, and when nothing is scripted", async () => {
    server.enqueue({ error: { status: 400, message: "context length exceeded" } });
    await expect(chat().invoke("a")).rejects.toThrow(/context length exceeded/);
    await expect(chat().invoke("b")).rejects.toThrow(/no scripted reply/);
  });

  it("fails the next requests with failNext, and the client's retry then succeeds", async () => {
    server.failNext(1, 503);
    server.enqueue({ text: "recovered" });
    const reply = await chat().invoke("a");
    expect(reply.text).toBe("recovered");
    expect(server.requests).toHaveLength(2);
  });

  it("does not retry a non-retryable failNext status", async () => {
    server.failNext(1, 401);
    server.enqueue({ text: "unused" });
    await expect(chat().invoke("a")).rejects.toThrow();
    expect(server.requests).toHaveLength(1);
  });

  it("includes a usage chunk when the client asks for one", async () => {
    server.enqueue({ text: "counted" });
    const model = new ChatOpenAI({
      model: "test-model",
      apiKey: "sk-test",
      configuration: { baseURL: server.url },
      streamUsage: true,
    });
    const chunks: AIMessageChunk[] = [];
    for await (const chunk of await model.stream("a")) chunks.push(chunk);
    const merged = chunks.reduce((sum, chunk) => sum.concat(chunk));
    expect(server.requests[0]?.stream_options).toEqual({ include_usage: true });
    // Under exactOptionalPropertyTypes the chunk type infers `never` here; the value is a UsageMetadata.
    expect((merged.usage_metadata as UsageMetadata | undefined)?.total_tokens).toBeGreaterThan(0);
  });
});

describe("assertValidOpenAIConversation", () => {
  const call = (id: string) => ({ id, type: "function" as const, function: { name: "t", arguments: "{}" } });

  it("accepts answered tool calls, in any order", () => {
    expect(() =>
      assertValidOpenAIConversation([
        { role: "system", content: "s" },
        { role: "user", content: "u" },
        { role: "assistant", content: null, tool_calls: [call("a"), call("b")] },
        { role: "tool", tool_call_id: "b", content: "{}" },
        { role: "tool", tool_call_id: "a", content: "{}" },
        { role: "assistant", content: "done" },
      ]),
    ).not.toThrow();
  });

  it("catches a dangling tool call followed by a user message", () => {
    expect(() =>
      assertValidOpenAIConversation([
        { role: "user", content: "u" },
        { role: "assistant", content: null, tool_calls: [call("a"), call("b")] },
        { role: "tool", tool_call_id: "a", content: "{}" },
        { role: "user", content: "never mind" },
      ]),
    ).toThrow(/messages\[1\] has tool_calls \[b\]/);
  });

  it("catches a dangling tool call at the end", () => {
    expect(() =>
      assertValidOpenAIConversation([
        { role: "user", content: "u" },
        { role: "assistant", tool_calls: [call("a")] },
      ]),
    ).toThrow(/never answered/);
  });

  it("catches a tool message with no preceding call", () => {
    expect(() =>
      assertValidOpenAIConversation([
        { role: "user", content: "u" },
        { role: "tool", tool_call_id: "ghost", content: "{}" },
      ]),
    ).toThrow(/tool_call_id "ghost"/);
  });

  it("catches an orphaned tool message in what a client really sent", async () => {
    const server = await startFakeOpenAI();
    try {
      // The history a constant completion id leaves behind: the tool-calling AI message was replaced.
      const model = new ChatOpenAI({
        model: "test-model",
        apiKey: "sk-test",
        configuration: { baseURL: server.url },
      });
      server.enqueue({ text: "ok" });
      await model.invoke([new HumanMessage("u"), new ToolMessage({ tool_call_id: "orphan", content: "{}" })]);
      expect(() => assertValidOpenAIConversation(server.requests[0]?.messages ?? [])).toThrow(/orphan/);
    } finally {
      await server.close();
    }
  });
});
