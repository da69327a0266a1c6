/**
 * The chat model factory: the only importer of `@langchain/openai`.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { ChatOpenAI } from "@langchain/openai";
import { DemoChatModel } from "../sandbox/demo-model/index.js";

export interface OpenAIModelSettings {
  apiKey?: string;
  /** Any OpenAI-compatible server, e.g. a local Ollama or vLLM (`http://127.0.0.1:11434/v1`). */
  baseUrl?: string;
  model: string;
  /** Retries on 429/5xx/network errors before the turn fails. Default 2. */
  maxRetries?: number;
  timeoutMs?: number;
}

export interface ModelChoice {
  model: BaseChatModel;
  /** How the model is named in banners and transcripts. */
  label: string;
  offline: boolean;
}

/**
 * ChatOpenAI when OpenAI settings are given, else the offline demo model.
 * `streaming` is deliberately left unset: `true` makes `invoke` estimate tokens with tiktoken,
 * which downloads data and hangs offline; LangGraph still streams tokens in `messages` mode.
 */
export function createChatModel(
  openai: OpenAIModelSettings | undefined,
  demo: { timeZone: string; now?: () => Date },
): ModelChoice {
  if (!openai) {
    return {
      model: new DemoChatModel({ timeZone: demo.timeZone, ...(demo.now ? { now: demo.now } : {}) }),
      label: `${DemoChatModel.displayName} (set OPENAI_API_KEY for a real model)`,
      offline: true,
    };
  }
  const model = new ChatOpenAI({
    model: openai.model,
    // A local OpenAI-compatible server usually needs no key, but the client insists on one.
    apiKey: openai.apiKey ?? "not-needed",
    maxRetries: openai.maxRetries ?? 2,
    timeout: openai.timeoutMs ?? 120_000,
    ...(openai.baseUrl ? { configuration: { baseURL: openai.baseUrl } } : {}),
  });
  const where = openai.baseUrl ? ` via ${new URL(openai.baseUrl).host}` : "";
  return { model, label: `${openai.model}${where}`, offline: false };
}
