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
 * a call no result answers at all (the person wrote instead of deciding, or a wait ended without
 * a resume) given that same answer right after its batch, so every call the model sees has its
 * result, as providers require.
 */
export function withoutForeignResults<T>(messages: readonly T[]): T[] {
  const answered = new Set<string>();
  for (const message of messages) if (ToolMessage.isInstance(message)) answered.add(message.tool_call_id);
  const view: T[] = [];
  let unanswered: { id: string; name: string }[] = [];
  const closeBatch = () => {
    for (const call of unanswered) view.push(notRun(call.id, call.name, NOT_SETTLED_TEXT) as T);
    unanswered = [];
  };
  for (const message of messages) {
    if (!ToolMessage.isInstance(message)) closeBatch();
    if (ToolMessage.isInstance(message) && !isProduced(message)) {
      view.push(notRun(message.tool_call_id, message.name ?? "", NOT_RUN_TEXT, message.id) as T);
    } else {
      view.push(message);
    }
    if (AIMessage.isInstance(message)) {
      unanswered = (message.tool_calls ?? []).flatMap((call) =>
        call.id && !answered.has(call.id) ? [{ id: call.id, name: call.name }] : [],
      );
    }
  }
  // The latest batch is left as it is: its calls are still to run.
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
