import { ToolMessage } from "langchain";

/**
 * Tool results Delegate produced carry this mark (checkpointed with them). A tool message
 * without it was written by someone else — e.g. a UI that answers pending calls with "Successfully
 * handled tool call." when the person types instead of deciding — and never reaches the model as
 * a result: the model is told the call did not run.
 */
const MARK = "delegate_produced";

export const NOT_RUN_TEXT =
  "Error: this call did not run (its result did not come from Delegate); nothing was done. Do not report it as done.";

export function markProduced(message: ToolMessage): ToolMessage {
  message.additional_kwargs = { ...message.additional_kwargs, [MARK]: true };
  return message;
}

export function isProduced(message: ToolMessage): boolean {
  return message.additional_kwargs?.[MARK] === true;
}

/** The model's view of the history: foreign tool results replaced by "this call did not run". */
export function withoutForeignResults<T>(messages: readonly T[]): T[] {
  return messages.map((message) =>
    ToolMessage.isInstance(message) && !isProduced(message)
      ? (new ToolMessage({
          content: NOT_RUN_TEXT,
          tool_call_id: message.tool_call_id,
          name: message.name ?? "",
          status: "error",
          ...(message.id ? { id: message.id } : {}),
        }) as T)
      : message,
  );
}
