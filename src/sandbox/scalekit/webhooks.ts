import { createHmac, randomBytes } from "node:crypto";
import { setMaxListeners } from "node:events";
import * as http from "node:http";
import * as https from "node:https";
import { type ConnectedAccountEventEnvelope, STATUS_UPDATED_EVENT } from "./account-events.js";

export {
  type ConnectedAccountEventEnvelope,
  type ConnectedAccountStatusEvent,
  STATUS_UPDATED_EVENT,
} from "./account-events.js";

const DELIVERY_TIMEOUT_MS = 5_000;

export interface WebhookDelivery {
  /** The event id, also sent as `webhook-id`. */
  id: string;
  /** The receiver: its URL, or `function:<name>` for an in-process receiver. */
  url: string;
  receiver: "url" | "function";
  type: string;
  /** The exact bytes that were signed and sent. */
  body: string;
  headers: Record<string, string>;
  /** HTTP status of the receiver's answer (or the status a function receiver returned). */
  status?: number | undefined;
  /** Why the delivery failed, if it did. */
  error?: string;
  at: Date;
}

/** What an in-process receiver gets: the same signed bytes and headers an HTTP receiver would. */
export interface WebhookRequest {
  headers: Record<string, string>;
  body: string;
}

/**
 * An in-process webhook receiver, e.g. `(request) => runtime.handleWebhook(request)`. Its answer
 * is recorded like an HTTP status.
 */
export type WebhookFunction = (request: WebhookRequest) => Promise<number | { status: number }>;

/** A Standard Webhooks signing secret: `whsec_` + base64 of 24 random bytes. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString("base64")}`;
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed like the SDK's verifier reads the secret. */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.split("_")[1] ?? "", "base64");
  const signature = createHmac("sha256", key).update(`${id}.${timestampSeconds}.${body}`).digest("base64");
  return `v1,${signature}`;
}

export interface WebhookDispatcherOptions {
  secret: string;
  urls: readonly string[];
  functions: readonly WebhookFunction[];
  /** Event types sent to receivers; default only `connected_account.status_updated`. */
  eventTypes?: readonly string[] | undefined;
}

/** Best-effort, fire-and-forget delivery of signed events, recorded for tests. */
export class WebhookDispatcher {
  readonly secret: string;
  readonly deliveries: WebhookDelivery[] = [];
  readonly #urls: Set<string>;
  readonly #functions = new Map<WebhookFunction, string>();
  readonly #eventTypes: Set<string>;
  readonly #pending = new Set<Promise<void>>();
  readonly #listeners = new Set<(delivery: WebhookDelivery) => void>();
  readonly #closing = new AbortController();
  #functionCount = 0;

  constructor(options: WebhookDispatcherOptions) {
    this.secret = options.secret;
    // Every delivery in flight listens on it: a burst of status changes is not a leak.
    setMaxListeners(0, this.#closing.signal);
    this.#urls = new Set(options.urls);
    this.#eventTypes = new Set(options.eventTypes ?? [STATUS_UPDATED_EVENT]);
    for (const receiver of options.functions) this.addFunction(receiver);
  }

  addUrl(url: string): void {
    if (!URL.canParse(url)) throw new TypeError(`invalid webhook URL: ${url}`);
    this.#urls.add(url);
  }

  removeUrl(url: string): void {
    this.#urls.delete(url);
  }

  /** Registers an in-process receiver; returns the function that removes it. */
  addFunction(receiver: WebhookFunction, name?: string): () => void {
    this.#functionCount += 1;
    this.#functions.set(receiver, name || receiver.name || `receiver-${this.#functionCount}`);
    return () => this.#functions.delete(receiver);
  }

  /** Called after each delivery settles (answered or failed). Returns an unsubscribe function. */
  onDelivery(listener: (delivery: WebhookDelivery) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Sends the event to every receiver, if its type is subscribed. */
  dispatch(event: ConnectedAccountEventEnvelope): void {
    if (this.#eventTypes.has(event.type)) this.send(event.id, event.type, JSON.stringify(event));
  }

  /** Signs and delivers one event body to every URL and function receiver. */
  send(id: string, type: string, body: string): void {
    if (this.#closing.signal.aborted) return;
    // The signature timestamp is wall-clock time even under an injected clock: receivers check it
    // against their own clock with a five-minute tolerance.
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      "content-type": "application/json",
      "user-agent": "Delegate-Sandbox-Webhooks/1",
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": signWebhook(this.secret, id, timestamp, body),
    };
    const at = new Date();
    for (const url of this.#urls) {
      this.#track({ id, url, receiver: "url", type, body, headers, at }, (delivery) =>
        this.#deliverHttp(delivery),
      );
    }
    for (const [receiver, name] of this.#functions) {
      this.#track(
        { id, url: `function:${name}`, receiver: "function", type, body, headers, at },
        (delivery) => this.#deliverFunction(receiver, delivery),
      );
    }
  }

  /** Resolves once every delivery started so far has settled. */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  close(): void {
    this.#closing.abort();
  }

  #track(delivery: WebhookDelivery, deliver: (delivery: WebhookDelivery) => Promise<void>): void {
    this.deliveries.push(delivery);
    const pending = deliver(delivery).finally(() => {
      this.#pending.delete(pending);
      for (const listener of this.#listeners) listener(delivery);
    });
    this.#pending.add(pending);
  }

  /**
   * Runs on a later turn, as a network delivery would: the status change that triggered it
   * (often inside an RPC) completes first, and the receiver may call back into the emulator.
   */
  async #deliverFunction(receiver: WebhookFunction, delivery: WebhookDelivery): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    let timer: NodeJS.Timeout | undefined;
    try {
      const answer = await Promise.race([
        receiver({ headers: { ...delivery.headers }, body: delivery.body }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("timed out")), DELIVERY_TIMEOUT_MS);
        }),
      ]);
      delivery.status = typeof answer === "number" ? answer : answer.status;
    } catch (error) {
      delivery.error = error instanceof Error ? error.message : String(error);
    } finally {
      clearTimeout(timer);
    }
  }

  #deliverHttp(delivery: WebhookDelivery): Promise<void> {
    return new Promise((resolve) => {
      let target: URL;
      try {
        target = new URL(delivery.url);
      } catch {
        delivery.error = "invalid URL";
        resolve();
        return;
      }
      const transport = target.protocol === "https:" ? https : http;
      const request = transport.request(target, {
        method: "POST",
        headers: {
          ...delivery.headers,
          "content-length": Buffer.byteLength(delivery.body),
          connection: "close",
        },
        timeout: DELIVERY_TIMEOUT_MS,
        signal: this.#closing.signal,
        agent: false,
      });
      request.on("response", (response) => {
        delivery.status = response.statusCode;
        response.resume();
        response.on("end", resolve);
        response.on("error", () => resolve());
      });
      request.on("timeout", () => request.destroy(new Error("timed out")));
      request.on("error", (error) => {
        delivery.error ??= error.message;
        resolve();
      });
      request.end(delivery.body);
    });
  }
}
