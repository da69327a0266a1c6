import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
  type BaseChatModelParams,
  type BindToolsInput,
} from "@langchain/core/language_models/chat_models";
import { AIMessage, AIMessageChunk, type BaseMessage } from "@langchain/core/messages";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";
import { type DemoReply, demoContext, respond } from "./engine.js";

export interface DemoChatModelOptions extends BaseChatModelParams {
  /** The user's IANA time zone, for "today", "tomorrow at noon" and for reading results. */
  timeZone?: string;
  /** The clock; injectable so replies are reproducible. */
  now?: () => Date;
}

function toolName(tool: BindToolsInput): string | undefined {
  const record = tool as { name?: unknown; function?: { name?: unknown } };
  if (typeof record.name === "string") return record.name;
  if (typeof record.function?.name === "string") return record.function.name;
  return undefined;
}

/** Text split into words that keep their trailing whitespace, so the pieces join back exactly. */
function words(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/**
 * Delegate's offline demo model: deterministic, with no network. It understands the documented
 * requests (see DEMO_EXAMPLES), turns them into calls of the bound tools, follows up on their
 * results, and summarizes them, so the whole authorization flow can be shown without an LLM.
 */
export class DemoChatModel extends BaseChatModel {
  static displayName = "offline demo model";

  static override lc_name(): string {
    return "DemoChatModel";
  }

  readonly timeZone: string;
  readonly now: () => Date;
  /** Tool names from bindTools; undefined when nothing is bound, and then no tool is ever called. */
  readonly boundToolNames: readonly string[] | undefined;
  private readonly options: DemoChatModelOptions;

  constructor(options: DemoChatModelOptions = {}, boundToolNames?: readonly string[]) {
    super(options);
    this.options = options;
    this.timeZone = options.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
    this.now = options.now ?? (() => new Date());
    this.boundToolNames = boundToolNames;
  }

  _llmType(): string {
    return "delegate-demo";
  }

  override bindTools(tools: BindToolsInput[], _kwargs?: Partial<BaseChatModelCallOptions>): DemoChatModel {
    const names = tools.map(toolName).filter((name): name is string => !!name);
    return new DemoChatModel(this.options, [...new Set([...(this.boundToolNames ?? []), ...names])]);
  }

  /** The next message for a conversation, as plain data. */
  reply(messages: readonly BaseMessage[]): DemoReply {
    const bound = this.boundToolNames ? new Set(this.boundToolNames) : undefined;
    return respond(messages, demoContext(this.now(), this.timeZone), bound);
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const { text, toolCalls } = this.reply(messages);
    const message = new AIMessage({
      content: text,
      tool_calls: toolCalls.map((call) => ({ ...call, type: "tool_call" as const })),
      response_metadata: { model_provider: "delegate-demo", model_name: DemoChatModel.displayName },
    });
    return { generations: [{ text, message }] };
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    _options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const { text, toolCalls } = this.reply(messages);
    const pieces = words(text);
    for (const piece of pieces.length || toolCalls.length ? pieces : [""]) {
      const chunk = new ChatGenerationChunk({ text: piece, message: new AIMessageChunk({ content: piece }) });
      yield chunk;
      await runManager?.handleLLMNewToken(
        piece,
        { prompt: 0, completion: 0 },
        undefined,
        undefined,
        undefined,
        { chunk },
      );
    }
    if (toolCalls.length) {
      const chunk = new ChatGenerationChunk({
        text: "",
        message: new AIMessageChunk({
          content: "",
          tool_call_chunks: toolCalls.map((call, index) => ({
            type: "tool_call_chunk" as const,
            id: call.id,
            name: call.name,
            args: JSON.stringify(call.args),
            index,
          })),
          response_metadata: { model_provider: "delegate-demo", model_name: DemoChatModel.displayName },
        }),
      });
      yield chunk;
      await runManager?.handleLLMNewToken("", { prompt: 0, completion: 0 }, undefined, undefined, undefined, {
        chunk,
      });
    }
  }
}
