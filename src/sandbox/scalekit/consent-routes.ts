import { timingSafeEqual } from "node:crypto";
import type { JsonObject } from "@bufbuild/protobuf";
import { validateStaticDetails } from "./account-credentials.js";
import { ConnectorStatus } from "./account-status.js";
import type { AccountRecord, AccountStore, MagicLinkRecord } from "./account-store.js";
import { isStaticConnection } from "./connection-profiles.js";
import {
  renderAlreadyConnectedPage,
  renderBadRequestPage,
  renderConnectedPage,
  renderConsentPage,
  renderDeniedPage,
  renderRefusedPage,
  renderUnusableLinkPage,
} from "./consent-page.js";
import { headerValue, type NodeRequest, type Response, readBody, sendHtml } from "./http-util.js";

export interface ConsentRoutesOptions {
  store: AccountStore;
  /**
   * Refuse POSTs without the page's `form_token`. Off by default so scripted consent
   * (`curl -d decision=allow <link>`) keeps working; cross-origin POSTs are refused either way.
   */
  requireFormToken: boolean;
}

const FORM_CONTENT_TYPE = "application/x-www-form-urlencoded";
const LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]"];

/**
 * The hosted authorization page behind a magic link: GET shows it, POST records the answer.
 *
 * A POST must come from the page itself. Browsers mark cross-origin requests: `Origin` on every
 * POST and `Sec-Fetch-Site` on every request, so a form or `fetch` (even a no-CORS
 * `text/plain` one) from another site is refused before it can connect anything. The body must
 * also be the form's own encoding, and a per-link `form_token` embedded in the page is checked
 * whenever it is sent (and required when configured).
 */
export async function magicLinkRoute(
  options: ConsentRoutesOptions,
  id: string,
  request: NodeRequest,
  response: Response,
): Promise<void> {
  const { store } = options;
  const link = store.link(id);
  if (link === undefined) return sendHtml(response, 404, renderUnusableLinkPage("unknown"));
  if (request.method === "POST") {
    const refused = crossOriginRefusal(request, link);
    if (refused !== undefined) return sendHtml(response, 403, renderRefusedPage(refused));
  }
  const state = store.linkState(link);
  const account = store.byId(link.accountId);
  if (state !== "valid" || account === undefined) {
    if ((state === "used" || state === "replaced") && account?.status === ConnectorStatus.ACTIVE) {
      return sendHtml(
        response,
        200,
        renderAlreadyConnectedPage(account.connection.displayName, account.identifier),
      );
    }
    return sendHtml(response, 410, renderUnusableLinkPage(state === "valid" ? "orphaned" : state));
  }
  if (request.method === "GET")
    return sendHtml(response, 200, consentPage(link, account), link.userVerifyUrl);
  return answer(options, link, account, request, response);
}

async function answer(
  options: ConsentRoutesOptions,
  link: MagicLinkRecord,
  account: AccountRecord,
  request: NodeRequest,
  response: Response,
): Promise<void> {
  const contentType = headerValue(request, "content-type")?.split(";")[0]?.trim().toLowerCase();
  if (contentType !== FORM_CONTENT_TYPE) {
    return sendHtml(response, 415, renderBadRequestPage(`Expected a form post (${FORM_CONTENT_TYPE}).`));
  }
  const form = new URLSearchParams(await readBody(request));
  const token = form.get("form_token");
  if ((token !== null || options.requireFormToken) && !sameSecret(token ?? "", link.formToken)) {
    return sendHtml(
      response,
      403,
      renderRefusedPage("The form token is missing or does not match this link."),
    );
  }
  const decision = form.get("decision");
  if (decision !== "allow" && decision !== "deny") {
    return sendHtml(response, 400, renderBadRequestPage('Expected decision "allow" or "deny".'));
  }
  const displayName = account.connection.displayName;
  let outcome: ReturnType<AccountStore["completeConsent"]>;
  if (decision === "allow" && isStaticConnection(account.connection)) {
    const details: JsonObject = {};
    for (const field of account.connection.staticAuthFields) details[field] = form.get(field) ?? "";
    const checked = validateStaticDetails(account.connection, details);
    if ("error" in checked) {
      // The link stays usable: the user fixes the form and submits again.
      return sendHtml(
        response,
        400,
        consentPage(link, account, `Fill in ${account.connection.staticAuthFields.join(", ")}.`),
        link.userVerifyUrl,
      );
    }
    outcome = options.store.completeConsent(link, "allow", checked.ok);
  } else {
    outcome = options.store.completeConsent(link, decision);
  }
  if (outcome.kind === "denied") return sendHtml(response, 200, renderDeniedPage(displayName));
  if (outcome.kind === "verify") {
    response.statusCode = 303;
    response.setHeader("location", outcome.redirectUrl);
    response.setHeader("cache-control", "no-store");
    response.end();
    return;
  }
  sendHtml(response, 200, renderConnectedPage(displayName, account.identifier));
}

function consentPage(link: MagicLinkRecord, account: AccountRecord, error?: string): string {
  return renderConsentPage({
    displayName: account.connection.displayName,
    identifier: account.identifier,
    scopes: account.connection.scopes,
    actionPath: new URL(link.url).pathname,
    formToken: link.formToken,
    expiresAt: new Date(link.expiresAt),
    ...(isStaticConnection(account.connection) && { credentialFields: account.connection.staticAuthFields }),
    ...(error !== undefined && { error }),
  });
}

/**
 * Why a POST is refused as cross-origin, or undefined when it may come from the page. A browser's
 * `Sec-Fetch-Site` is authoritative; `Origin` must be the page's own, except that a browser may
 * send `Origin: null` for its own same-origin post (referrer-policy no-referrer does that).
 */
function crossOriginRefusal(request: NodeRequest, link: MagicLinkRecord): string | undefined {
  const site = headerValue(request, "sec-fetch-site");
  if (site !== undefined && site !== "same-origin" && site !== "none") {
    return `Cross-site request refused (Sec-Fetch-Site: ${site}).`;
  }
  const origin = headerValue(request, "origin");
  const sameOriginNull = origin === "null" && site === "same-origin";
  if (origin !== undefined && !sameOriginNull && !allowedOrigins(link).has(origin)) {
    return `Cross-origin request refused (Origin: ${origin}).`;
  }
  return undefined;
}

/** The link's origin and its loopback aliases (the page may be opened via `localhost`). */
function allowedOrigins(link: MagicLinkRecord): Set<string> {
  const url = new URL(link.url);
  const origins = new Set([url.origin]);
  if (LOOPBACK_HOSTS.includes(url.hostname)) {
    for (const host of LOOPBACK_HOSTS)
      origins.add(`${url.protocol}//${host}${url.port ? `:${url.port}` : ""}`);
  }
  return origins;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
