/**
 * The chat model factory: the only importer of `@langchain/openai`, loaded on first use so the
 * offline demo model never pays for the OpenAI client. Delegate never picks a model by itself:
 * embedders pass one, and only the CLI and server bootstraps fall back to the sandbox's offline
 * demo model (and say so).
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";

export interface OpenAIModelSettings {
  apiKey?: string | undefined;
  /** Any OpenAI-compatible server, e.g. a local Ollama or vLLM (`http://127.0.0.1:11434/v1`). */
  baseUrl?: string | undefined;
  model: string;
  /** Retries on 429/5xx/network errors before the turn fails. Default 2. */
  maxRetries?: number;
  timeoutMs?: number;
}

export interface ModelChoice {
  model: BaseChatModel;
  /** How the model is named in banners and transcripts. */
  label: string;
}

/**
 * ChatOpenAI from settings. `streaming` is deliberately left unset: `true` makes `invoke`
 * estimate tokens with tiktoken, which downloads data and hangs offline; LangGraph still streams
 * tokens in `messages` mode.
 */
export async function createChatModel(openai: OpenAIModelSettings): Promise<ModelChoice> {
  const { ChatOpenAI } = await import("@langchain/openai");
  const model = new ChatOpenAI({
    model: openai.model,
    // A local OpenAI-compatible server usually needs no key, but the client insists on one.
    apiKey: openai.apiKey ?? "not-needed",
    maxRetries: openai.maxRetries ?? 2,
    timeout: openai.timeoutMs ?? 120_000,
    ...(openai.baseUrl ? { configuration: { baseURL: openai.baseUrl } } : {}),
  });
  const where = openai.baseUrl ? ` via ${new URL(openai.baseUrl).host}` : "";
  return { model, label: `${openai.model}${where}` };
}

/** A model as given to `createAgentRuntime`: a LangChain chat model, or OpenAI settings. */
export async function resolveModel(model: BaseChatModel | OpenAIModelSettings): Promise<ModelChoice> {
  return "invoke" in model ? { model, label: model.getName() } : await createChatModel(model);
}
