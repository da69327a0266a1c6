/**
 * A push-to-pull bridge: producers `push` events, one consumer iterates them. Unbounded by
 * design (a turn produces a bounded number of events), and ending is idempotent.
 */
export class EventChannel<T> implements AsyncIterable<T> {
  readonly #buffer: T[] = [];
  #waiter: ((result: IteratorResult<T>) => void) | undefined;
  #failer: ((error: unknown) => void) | undefined;
  #ended = false;
  #error: unknown;
  #onClose: (() => void) | undefined;

  constructor(onClose?: () => void) {
    this.#onClose = onClose;
  }

  push(value: T): void {
    if (this.#ended) return;
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      this.#failer = undefined;
      waiter({ value, done: false });
    } else {
      this.#buffer.push(value);
    }
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#close();
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter({ value: undefined, done: true });
    }
  }

  fail(error: unknown): void {
    if (this.#ended) return;
    this.#error = error;
    this.#ended = true;
    this.#close();
    if (this.#failer) {
      const failer = this.#failer;
      this.#waiter = undefined;
      this.#failer = undefined;
      failer(error);
    }
  }

  #close(): void {
    const onClose = this.#onClose;
    this.#onClose = undefined;
    onClose?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const value = this.#buffer.shift();
        if (value !== undefined) return Promise.resolve({ value, done: false });
        if (this.#ended) {
          return this.#error === undefined
            ? Promise.resolve({ value: undefined, done: true })
            : Promise.reject(this.#error);
        }
        return new Promise<IteratorResult<T>>((resolve, reject) => {
          this.#waiter = resolve;
          this.#failer = reject;
        });
      },
      return: () => {
        this.#ended = true;
        this.#buffer.length = 0;
        this.#close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
