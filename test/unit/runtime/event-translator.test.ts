import { AIMessage, ToolMessage } from "langchain";
import { describe, expect, it } from "vitest";
import { EventTranslator } from "../../../src/runtime/event-translator.js";

const calling = (args: Record<string, unknown>) =>
  new AIMessage({
    id: "ai-1",
    content: "Sending it now.",
    tool_calls: [{ id: "c1", name: "gmail_send_message", args }],
  });

describe("EventTranslator", () => {
  it("a message the gate hands back with an edited call is not told twice", () => {
    const translator = new EventTranslator("t1");
    const first = translator.translate("updates", {
      model_request: { messages: [calling({ subject: "a" })] },
    });
    // The model step that asked the person writes the same message (same id) with the edit.
    const again = translator.translate("updates", {
      model_request: [{ messages: [calling({ subject: "b" })] }],
    });
    const result = translator.translate("updates", {
      tools: {
        messages: [new ToolMessage({ content: "{}", tool_call_id: "c1", name: "gmail_send_message" })],
      },
    });
    // Nothing streamed (a model that does not stream): the text comes as one delta, then the message.
    expect(first.map((event) => event.type)).toEqual(["text-delta", "message", "tool-call"]);
    expect(again).toEqual([]);
    expect(result.map((event) => event.type)).toEqual(["tool-result"]);
    expect(translator.summary.lastText).toBe("Sending it now.");
  });

  it("two messages with different ids are both told", () => {
    const translator = new EventTranslator("t1");
    const one = new AIMessage({ id: "a", content: "One." });
    const two = new AIMessage({ id: "b", content: "Two." });
    const events = translator.translate("updates", { model_request: { messages: [one, two] } });
    expect(events.map((event) => `${event.type}:${"text" in event ? event.text : ""}`)).toEqual([
      "text-delta:One.",
      "message:One.",
      "text-delta:Two.",
      "message:Two.",
    ]);
  });
});
