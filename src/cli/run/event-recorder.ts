import type { AgentRuntime, RuntimeEvent, ThreadRef } from "../../index.js";
import { errorMessage } from "../../index.js";
import type { Reporter } from "./reporter.js";
import type { RecordedEvent, RunRecord } from "./run-record.js";

export type Pending = Extract<RuntimeEvent, { type: "authorization-required" }>;

/** Stops a scripted run with a reason the report shows at the turn in progress. */
export class StopRun extends Error {}

interface Waiter {
  from: number;
  test: (event: RuntimeEvent) => boolean;
  resolve: (item: RecordedEvent) => void;
}

const settles = (event: RuntimeEvent) => event.type === "turn-end" || event.type === "authorization-required";

/**
 * Records every event of a script's thread (with the turn in progress) and lets the runner wait
 * for the next one that matters: it waits on events, never on the clock, except for the step
 * timeout that stops a run that hangs.
 */
export class EventRecorder {
  readonly record: RunRecord = { events: [], turnsRun: 0 };
  /** Index of the script turn in progress. */
  turn = 0;
  readonly #stepTimeoutMs: number;
  #waiters: Waiter[] = [];
  #unsubscribe: () => void;

  constructor(
    runtime: AgentRuntime,
    ref: ThreadRef,
    reporter: Reporter,
    file: string,
    stepTimeoutMs: number,
  ) {
    this.#stepTimeoutMs = stepTimeoutMs;
    this.#unsubscribe = runtime.subscribe(ref, (event) => {
      const recorded: RecordedEvent = { seq: this.record.events.length, turn: this.turn, event };
      this.record.events.push(recorded);
      reporter.event(file, recorded);
      const ready = this.#waiters.filter((waiter) => recorded.seq >= waiter.from && waiter.test(event));
      this.#waiters = this.#waiters.filter((waiter) => !ready.includes(waiter));
      for (const waiter of ready) waiter.resolve(recorded);
    });
  }

  get stepTimeoutMs(): number {
    return this.#stepTimeoutMs;
  }

  /** The sequence number the next event will get. */
  next(): number {
    return this.record.events.length;
  }

  /** The authorization the thread is waiting for (connections, decisions or both), if any. */
  pending(): Pending | undefined {
    for (let index = this.record.events.length - 1; index >= 0; index -= 1) {
      const event = this.record.events[index]!.event;
      if (event.type === "authorization-required") return event;
      if (event.type === "turn-end") return undefined;
    }
    return undefined;
  }

  waitFor(
    from: number,
    test: (event: RuntimeEvent) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<RecordedEvent> {
    return new Promise<RecordedEvent>((resolve, reject) => {
      const found = this.record.events.find((item) => item.seq >= from && test(item.event));
      if (found) {
        resolve(found);
        return;
      }
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((waiter) => waiter.resolve !== done);
        reject(new StopRun(`${what} did not finish within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      const done = (item: RecordedEvent) => {
        clearTimeout(timer);
        resolve(item);
      };
      this.#waiters.push({ from, test, resolve: done });
    });
  }

  /** Waits until the thread stops running: the turn ended or it asks for something. */
  async settle(from: number, timeoutMs: number, what: string): Promise<void> {
    const first = await this.waitFor(
      from,
      (event) => settles(event) || event.type === "error",
      timeoutMs,
      what,
    );
    if (first.event.type === "error") {
      // A failed run ends with turn-end; a failed resume leaves the thread waiting.
      await this.waitFor(first.seq + 1, settles, 500, what).catch(() => undefined);
    }
  }

  /** Drains a runtime stream, bounded by the step timeout; its events arrive through the subscription. */
  async drain(stream: AsyncIterable<RuntimeEvent>, what: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new StopRun(`${what} did not finish within ${Math.round(this.#stepTimeoutMs / 1000)} s`)),
        this.#stepTimeoutMs,
      );
    });
    try {
      await Promise.race([
        (async () => {
          for await (const _ of stream) {
            // Recorded by the subscription.
          }
        })(),
        timeout,
      ]);
    } catch (error) {
      if (error instanceof StopRun) throw error;
      throw new StopRun(`${what} failed: ${errorMessage(error)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.#unsubscribe();
    this.#waiters = [];
  }
}
