import type { Code } from "@connectrpc/connect";
import { grpcCodeName } from "./grpc-codes.js";

/** Matches every gRPC method (not the token endpoint). */
export const ANY_METHOD = "*";

export interface InjectedFault {
  code: Code;
  message: string;
}

interface PendingFault extends InjectedFault {
  remaining: number;
}

/** Scripted failures and latency, keyed by method name (`ListConnectedAccounts`, `OAuthToken`…). */
export class FaultInjector {
  readonly #pending = new Map<string, PendingFault[]>();
  readonly #latency = new Map<string, number>();

  failNext(method: string, count: number, code: Code, message?: string): void {
    if (count <= 0) return;
    const queue = this.#pending.get(method) ?? [];
    queue.push({ remaining: count, code, message: message ?? `injected fault: ${grpcCodeName(code)}` });
    this.#pending.set(method, queue);
  }

  /** Consumes and returns the next fault scheduled for this method, if any. */
  take(method: string): InjectedFault | undefined {
    for (const key of method === "OAuthToken" ? [method] : [method, ANY_METHOD]) {
      const queue = this.#pending.get(key);
      const fault = queue?.[0];
      if (queue === undefined || fault === undefined) continue;
      fault.remaining -= 1;
      if (fault.remaining <= 0) queue.shift();
      if (queue.length === 0) this.#pending.delete(key);
      return { code: fault.code, message: fault.message };
    }
    return undefined;
  }

  /** Sets the delay for one method, or for all calls when `method` is omitted. 0 removes it. */
  setLatency(ms: number, method: string = ANY_METHOD): void {
    if (ms > 0) this.#latency.set(method, ms);
    else this.#latency.delete(method);
  }

  latencyFor(method: string): number {
    return this.#latency.get(method) ?? this.#latency.get(ANY_METHOD) ?? 0;
  }

  clear(): void {
    this.#pending.clear();
    this.#latency.clear();
  }
}

export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
