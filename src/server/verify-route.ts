/**
 * The LangGraph server's custom routes (`langgraph.json` → `"http": { "app":
 * "./src/server/verify-route.ts:app" }`): Scalekit's user-verify redirect,
 * `GET /delegate/verify?auth_request_id=…&state=…`, here, and Scalekit's webhooks,
 * `POST /delegate/webhooks/scalekit` (`webhook-route.ts`), mounted on the same app.
 *
 * The auth handler lets this one path through without a token (a browser redirect carries none);
 * what authorizes it is the state, signed by this server for the user the run was authenticated
 * as, single use and short-lived. It marks the account verified and shows a page; the client's
 * recheck (`{ action: "recheck" }`, or "approve" in Agent Chat UI) then goes on.
 */
import { Hono } from "hono";
import { refusalStatus } from "../auth/verification-state.js";
import { errorMessage } from "../errors.js";
import { serverEnvironment } from "./server-environment.js";
import { VERIFY_PATH } from "./server-settings.js";
import { serverVerification } from "./server-verification.js";
import { webhookRoute } from "./webhook-route.js";

export const app = new Hono();

app.route("/", webhookRoute);

app.get(VERIFY_PATH, async (context) => {
  const query = new URL(context.req.url).searchParams;
  try {
    const verification = await serverVerification();
    if (!verification) {
      return page(404, "Not available", "User verification is not turned on for this server.");
    }
    const result = await verification.verify({
      authRequestId: query.get("auth_request_id") ?? "",
      state: query.get("state") ?? "",
    });
    if (result.status === "verified") {
      return page(
        200,
        "Connected",
        `${result.displayName} connected — go back to the chat and continue (Delegate checks again when you resume).`,
        `${result.displayName} connected`,
      );
    }
    return page(refusalStatus(result.reason), "Not connected", result.message);
  } catch (error) {
    // The detail (a host, a gRPC status) is for the log; the browser gets what to do.
    (await serverEnvironment().catch(() => undefined))?.logger.error(
      { error: errorMessage(error) },
      "user verification failed",
    );
    return page(502, "Not connected yet", VERIFY_FAILED);
  }
});

/** An unexpected failure (Scalekit down, say): nothing was verified, and the state is not spent. */
const VERIFY_FAILED =
  "Something went wrong on Delegate's side while finishing the connection, so nothing was connected. Reload this page in a minute to try again; if it keeps failing, go back to the chat and ask for a new link.";

function page(status: number, heading: string, message: string, title = heading): Response {
  const html = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return new Response(
    `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${html(title)} · Delegate</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem}h1{font-size:1.5rem}</style>
</head><body><main><h1>${html(heading)}</h1><p>${html(message)}</p></main></body></html>
`,
    {
      status,
      headers: {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        // The address carries the auth request and state: never a referrer.
        "referrer-policy": "no-referrer",
        "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
        "x-content-type-options": "nosniff",
      },
    },
  );
}
