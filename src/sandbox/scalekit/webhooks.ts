import { createHmac, randomBytes } from "node:crypto";
import * as http from "node:http";
import * as https from "node:https";
import { statusName } from "./account-status.js";
import type { StatusChange } from "./account-store.js";
import { randomId } from "./random-ids.js";

export const STATUS_UPDATED_EVENT = "connected_account.status_updated";

const DELIVERY_TIMEOUT_MS = 5_000;

export interface WebhookDelivery {
  /** The event id, also sent as `webhook-id`. */
  id: string;
  url: string;
  type: string;
  /** The exact bytes that were signed and sent. */
  body: string;
  headers: Record<string, string>;
  /** HTTP status of the receiver's answer, once it arrived. */
  status?: number;
  /** Why the delivery failed, if it did. */
  error?: string;
  at: Date;
}

export interface ConnectedAccountStatusEvent {
  spec_version: "1";
  id: string;
  type: typeof STATUS_UPDATED_EVENT;
  occurred_at: string;
  environment_id: string;
  object: "ConnectedAccount";
  data: {
    id: string;
    identifier: string;
    connection_id: string;
    connection_name: string;
    provider: string;
    authorization_type: "OAUTH";
    status: string;
    old_status: string;
    token_expires_at?: string;
  };
}

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
  environmentId: string;
  urls: readonly string[];
  now: () => number;
}

/** Best-effort, fire-and-forget delivery of signed events, recorded for tests. */
export class WebhookDispatcher {
  readonly secret: string;
  readonly deliveries: WebhookDelivery[] = [];
  readonly #environmentId: string;
  readonly #now: () => number;
  readonly #urls: Set<string>;
  readonly #pending = new Set<Promise<void>>();
  readonly #listeners = new Set<(delivery: WebhookDelivery) => void>();
  readonly #closing = new AbortController();

  constructor(options: WebhookDispatcherOptions) {
    this.secret = options.secret;
    this.#environmentId = options.environmentId;
    this.#now = options.now;
    this.#urls = new Set(options.urls);
  }

  addUrl(url: string): void {
    if (!URL.canParse(url)) throw new TypeError(`invalid webhook URL: ${url}`);
    this.#urls.add(url);
  }

  removeUrl(url: string): void {
    this.#urls.delete(url);
  }

  /** Called after each delivery settles (answered or failed). Returns an unsubscribe function. */
  onDelivery(listener: (delivery: WebhookDelivery) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  statusUpdated({ account, oldStatus }: StatusChange): void {
    const event: ConnectedAccountStatusEvent = {
      spec_version: "1",
      id: randomId("evt_"),
      type: STATUS_UPDATED_EVENT,
      occurred_at: new Date(this.#now()).toISOString(),
      environment_id: this.#environmentId,
      object: "ConnectedAccount",
      data: {
        id: account.id,
        identifier: account.identifier,
        connection_id: account.connection.id,
        connection_name: account.connection.name,
        provider: account.connection.provider,
        authorization_type: "OAUTH",
        status: statusName(account.status),
        old_status: statusName(oldStatus),
        ...(account.tokenExpiresAt !== undefined && {
          token_expires_at: new Date(account.tokenExpiresAt).toISOString(),
        }),
      },
    };
    this.send(event.id, event.type, JSON.stringify(event));
  }

  /** Signs and posts one event body to every URL. */
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
    for (const url of this.#urls) {
      const delivery: WebhookDelivery = { id, url, type, body, headers, at: new Date() };
      this.deliveries.push(delivery);
      const pending = this.#deliver(delivery).finally(() => {
        this.#pending.delete(pending);
        for (const listener of this.#listeners) listener(delivery);
      });
      this.#pending.add(pending);
    }
  }

  /** Resolves once every delivery started so far has settled. */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  close(): void {
    this.#closing.abort();
  }

  #deliver(delivery: WebhookDelivery): Promise<void> {
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
