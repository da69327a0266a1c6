/**
 * When each thread's latest model call looked its connection statuses up. The gate may then act
 * on a cached "not connected" fetched since that moment (one status call per AI message, not
 * two), but never on an older one: a person who has just connected is not asked again.
 */
export class ModelCallMarks {
  readonly #marks = new Map<string, number>();

  /** A model call of `thread` is about to look statuses up at `at` (ms since the epoch). */
  mark(thread: string | undefined, at: number): void {
    if (thread === undefined) return;
    this.#marks.delete(thread);
    this.#marks.set(thread, at);
    // Oldest first in insertion order: threads whose gate never ran do not pile up.
    if (this.#marks.size > MAX_MARKS) this.#marks.delete(this.#marks.keys().next().value as string);
  }

  /**
   * The mark of the model call whose AI message the gate checks, used once: a replay of the gate
   * after a resume gets none, so it asks Scalekit afresh.
   */
  take(thread: string | undefined): number | undefined {
    if (thread === undefined) return undefined;
    const at = this.#marks.get(thread);
    this.#marks.delete(thread);
    return at;
  }
}

const MAX_MARKS = 10_000;
