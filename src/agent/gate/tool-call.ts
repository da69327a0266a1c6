/** A tool call as the gate sees it (LangChain's ToolCall, with the fields the gate uses). */
export interface ToolCallLike {
  id?: string | undefined;
  name: string;
  args: Record<string, unknown>;
}
