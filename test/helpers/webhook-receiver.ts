import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedWebhook {
  headers: Record<string, string>;
  body: string;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Resolves with the next request (or one already received and not yet taken). */
  next(timeoutMs?: number): Promise<ReceivedWebhook>;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1:0 that records webhook posts and answers `status`. */
export async function startWebhookReceiver(status = 204): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let taken = 0;
  const waiters: Array<(hook: ReceivedWebhook) => void> = [];

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        if (typeof value === "string") headers[name] = value;
      }
      const hook = { headers, body: Buffer.concat(chunks).toString("utf8") };
      received.push(hook);
      const waiter = waiters.shift();
      if (waiter !== undefined) {
        taken += 1;
        waiter(hook);
      }
      response.statusCode = status;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/webhooks/scalekit`,
    received,
    next(timeoutMs = 5_000) {
      const ready = received[taken];
      if (ready !== undefined) {
        taken += 1;
        return Promise.resolve(ready);
      }
      return new Promise((resolve, reject) => {
        const waiter = (hook: ReceivedWebhook): void => {
          clearTimeout(timer);
          resolve(hook);
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error("no webhook received in time"));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
