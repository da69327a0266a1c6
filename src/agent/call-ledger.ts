/**
 * Where a side effect's start is written down before it happens, so a call of a thread runs at
 * most once. LangGraph runs a tool task again whenever the checkpoint it resumes from holds the
 * task but not its result: a process killed mid-call, a run cancelled or interrupted mid-call,
 * or a client resuming from an older checkpoint. For a read that is harmless; for an email it is
 * a second email. A call found started is answered instead: it may already have run.
 */
export interface CallLedger {
  /**
   * Records that `call` of `thread` starts now (the call's message id and call id: some models
   * number calls per message); false when it had started before.
   */
  start(thread: string, call: string): Promise<boolean>;
  /** Forgets a start that provably did nothing (the provider refused the token), so it may run again. */
  forget(thread: string, call: string): Promise<void>;
}

/**
 * A ledger in this process's memory, for hosts without Delegate's database (LangGraph's server):
 * it holds while the process lives. The oldest entries go past `max`.
 */
export function memoryCallLedger(max = 100_000): CallLedger {
  const started = new Set<string>();
  const keyOf = (thread: string, toolCallId: string) => `${thread}\u0000${toolCallId}`;
  return {
    async start(thread, toolCallId) {
      const key = keyOf(thread, toolCallId);
      if (started.has(key)) return false;
      started.add(key);
      if (started.size > max) started.delete(started.values().next().value as string);
      return true;
    },
    async forget(thread, toolCallId) {
      started.delete(keyOf(thread, toolCallId));
    },
  };
}
