/**
 * `POST /delegate/webhooks/scalekit`: where real Scalekit delivers its webhooks to the LangGraph
 * server (mounted on the `http.app` of langgraph.json, next to `/delegate/verify`). On the
 * embedded sandbox the emulator also delivers them in process; this route is how they arrive
 * from a Scalekit environment (register `<server URL>/delegate/webhooks/scalekit` as a webhook
 * endpoint and set SCALEKIT_WEBHOOK_SECRET to its signing secret).
 *
 * The auth handler lets this path through without a bearer token: the Standard Webhooks
 * signature is what authorizes it, checked by the runtime's `WebhookHandler`. Unsigned or badly
 * signed → 401, over 1 MB → 413 (read no further), signed but not JSON → 400, signed events
 * Delegate does not follow → 202, a connected-account change → 200.
 *
 * What a webhook does here: it invalidates the server's status and credential cache for that
 * user's connection, so the next look-up (a client's recheck, the next message's gate and
 * prompt) asks Scalekit instead of trusting, say, a revoked account's cached ACTIVE status. It
 * does not resume a waiting thread by itself, unlike `createAgentRuntime`: on LangGraph's server
 * an interrupt is resumed by the client that shows it (Agent Chat UI, Studio, the SDK) with a
 * `Command({ resume })` run. A run started from here would race that client's own resume (its
 * run refused because the thread is busy, or landing on a thread no longer interrupted), and it
 * would have to act as the user through the auth handler, which only trusts bearer tokens.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { errorMessage } from "../errors.js";
import { MAX_WEBHOOK_BYTES } from "../index.js";
import { serverEnvironment } from "./server-environment.js";

export const WEBHOOK_PATH = "/delegate/webhooks/scalekit";

export const webhookRoute = new Hono();

webhookRoute.post(WEBHOOK_PATH, async (context) => {
  const body = await readBody(context.req.raw, MAX_WEBHOOK_BYTES);
  if (body === TOO_LARGE) return answer(context, 413, "webhook body over 1 MB");
  try {
    const { webhooks } = await serverEnvironment();
    const outcome = webhooks.handle({ headers: Object.fromEntries(context.req.raw.headers), body });
    if (outcome.status === 200) return answer(context, 200, "ok");
    if (outcome.status === 202) return answer(context, 202, "ignored");
    return answer(context, outcome.status, outcome.reason);
  } catch (error) {
    (await serverEnvironment().catch(() => undefined))?.logger.error(
      { error: errorMessage(error) },
      "webhook failed",
    );
    // Scalekit retries a failed delivery.
    return answer(context, 503, "try again later");
  }
});

function answer(context: Context, status: 200 | 202 | 400 | 401 | 413 | 503, message: string): Response {
  return context.json({ message }, status, { "cache-control": "no-store" });
}

const TOO_LARGE = Symbol("too large");

/** The body as text, or TOO_LARGE as soon as it passes `limit` bytes (by header or by reading). */
async function readBody(request: Request, limit: number): Promise<string | typeof TOO_LARGE> {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) return TOO_LARGE;
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return TOO_LARGE;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
