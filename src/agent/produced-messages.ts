import { AIMessage, ToolMessage } from "langchain";

/**
 * Tool results Delegate produced carry this mark (checkpointed with them). A tool message
 * without it was written by someone else — e.g. a UI that answers pending calls with "Successfully
 * handled tool call." when the person types instead of deciding — and never reaches the model as
 * a result: the model is told the call did not run.
 */
const MARK = "delegate_produced";

export const NOT_RUN_TEXT =
  "Error: this call did not run (its result did not come from Delegate); nothing was done. Do not report it as done.";

export const NOT_SETTLED_TEXT =
  "Error: this call did not run (it was never settled: no approval, connection or result came for it); nothing was done. Do not report it as done.";

export function markProduced(message: ToolMessage): ToolMessage {
  message.additional_kwargs = { ...message.additional_kwargs, [MARK]: true };
  return message;
}

export function isProduced(message: ToolMessage): boolean {
  return message.additional_kwargs?.[MARK] === true;
}

/**
 * The model's view of the history: foreign tool results replaced by "this call did not run", and
 * a call no result answers (the person wrote instead of deciding, or a wait ended without a
 * resume) given that same kind of answer right after its batch. A result answers a call only in
 * the batch right after the call's message (ids recur: some models number calls per message);
 * one that answers no call there is left out. So every request is valid for the provider.
 */
export function withoutForeignResults<T>(messages: readonly T[]): T[] {
  const view: T[] = [];
  /** The calls of the latest AI message not answered yet, by id. */
  let pending = new Map<string, string>();
  const closeBatch = () => {
    for (const [id, name] of pending) view.push(notRun(id, name, NOT_SETTLED_TEXT) as T);
    pending = new Map();
  };
  for (const message of messages) {
    if (ToolMessage.isInstance(message)) {
      const name = pending.get(message.tool_call_id);
      if (name === undefined) continue;
      pending.delete(message.tool_call_id);
      view.push(
        isProduced(message)
          ? message
          : // The call's own name: a foreign message's name is the writer's text, not a tool's.
            (notRun(message.tool_call_id, name, NOT_RUN_TEXT, message.id) as T),
      );
      continue;
    }
    closeBatch();
    view.push(message);
    if (AIMessage.isInstance(message)) {
      for (const call of message.tool_calls ?? []) if (call.id) pending.set(call.id, call.name);
    }
  }
  closeBatch();
  return view;
}

function notRun(toolCallId: string, name: string, content: string, id?: string): ToolMessage {
  return new ToolMessage({
    content,
    tool_call_id: toolCallId,
    name,
    status: "error",
    ...(id ? { id } : {}),
  });
}
