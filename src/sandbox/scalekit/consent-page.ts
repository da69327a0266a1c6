/** Self-contained HTML pages for the magic-link flow: inline CSS, no scripts, no external assets. */

import { escapeHtml } from "../escape-html.js";

const PRODUCT = "Delegate sandbox";

export interface ConsentPageInput {
  displayName: string;
  identifier: string;
  scopes: readonly string[];
  /** Where the form posts: the link's own path, so the POST stays on the page's origin. */
  actionPath: string;
  /** The link's per-link form token, sent back as the hidden `form_token` field. */
  formToken: string;
  expiresAt: Date;
  /**
   * Static connections (API key, bearer token, basic auth): Scalekit's hosted page is a credential
   * form, one input per field, instead of a provider consent screen.
   */
  credentialFields?: readonly string[];
  /** Shown above the form when a submission was refused (e.g. a missing field). */
  error?: string;
}

export function renderConsentPage(input: ConsentPageInput): string {
  const name = escapeHtml(input.displayName);
  const isStatic = input.credentialFields !== undefined;
  const scopes =
    input.scopes.length === 0
      ? `<p class="muted">No specific permissions are requested.</p>`
      : `<ul class="scopes" aria-labelledby="scopes-heading">${input.scopes.map(renderScope).join("")}</ul>`;
  const intro = isStatic
    ? `<p>Enter the credentials Delegate should use in <strong>${name}</strong> on behalf of
        <strong class="user">${escapeHtml(input.identifier)}</strong>.</p>`
    : `<p>Delegate is asking to act in <strong>${name}</strong> on behalf of
        <strong class="user">${escapeHtml(input.identifier)}</strong>.</p>
      <h2 id="scopes-heading">Requested permissions</h2>
      ${scopes}`;
  const fields = (input.credentialFields ?? []).map(renderCredentialField).join("");
  const error =
    input.error === undefined ? "" : `<p class="error" role="alert">${escapeHtml(input.error)}</p>`;
  return layout({
    title: `Connect ${input.displayName}`,
    body: `
      <h1>Connect ${name}</h1>
      ${intro}
      ${error}
      <form method="post" action="${escapeHtml(input.actionPath)}">
        <input type="hidden" name="form_token" value="${escapeHtml(input.formToken)}">
        ${fields}
        <div class="actions" role="group" aria-label="Connect ${name}?">
          <button type="submit" id="deny" name="decision" value="deny" class="secondary" formnovalidate>Deny</button>
          <button type="submit" id="allow" name="decision" value="allow" class="primary">${isStatic ? "Connect" : "Allow"}</button>
        </div>
      </form>
      <p class="muted small">This link works once and expires at
        <time datetime="${escapeHtml(input.expiresAt.toISOString())}">${escapeHtml(formatExpiry(input.expiresAt))}</time>.</p>`,
  });
}

/** Secrets are password inputs; the rest (username, domain…) plain text. */
function renderCredentialField(field: string): string {
  const id = `field-${field.replace(/[^\w-]/g, "_")}`;
  const secret = /key|token|secret|password/i.test(field);
  return `<label class="field" for="${escapeHtml(id)}">${escapeHtml(field)}
          <input id="${escapeHtml(id)}" name="${escapeHtml(field)}" type="${secret ? "password" : "text"}" required autocomplete="off"></label>`;
}

/** One requested scope, verbatim (the raw HTML holds each scope string whole). */
function renderScope(scope: string): string {
  return `<li><code>${escapeHtml(scope)}</code></li>`;
}

/** "15:12 UTC, Wed 25 Nov 2026": short, unambiguous, no script needed. */
function formatExpiry(date: Date): string {
  const time = date.toISOString().slice(11, 16);
  const day = date.toLocaleDateString("en-GB", {
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    timeZone: "UTC",
  });
  return `${time} UTC, ${day.replace(",", "")}`;
}

export function renderConnectedPage(displayName: string, identifier?: string): string {
  const who = identifier === undefined ? "" : ` for <strong>${escapeHtml(identifier)}</strong>`;
  return layout({
    title: "Connected",
    tone: "success",
    body: `
      <h1>Connected</h1>
      <p><strong>${escapeHtml(displayName)}</strong> is now connected${who}.</p>
      <p>You can close this tab and return to the conversation.</p>`,
  });
}

export function renderDeniedPage(displayName: string): string {
  return layout({
    title: "Access denied",
    tone: "error",
    body: `
      <h1>Access denied</h1>
      <p>You denied access to <strong>${escapeHtml(displayName)}</strong>. Nothing was connected.</p>
      <p>If that was a mistake, ask the agent for a new link.</p>`,
  });
}

export type UnusableLinkReason = "expired" | "used" | "replaced" | "orphaned" | "unknown";

export function renderUnusableLinkPage(reason: UnusableLinkReason): string {
  const text: Record<UnusableLinkReason, { heading: string; detail: string }> = {
    expired: {
      heading: "This link has expired",
      detail: "Authorization links are only valid for a short time.",
    },
    used: { heading: "This link was already used", detail: "Each authorization link works only once." },
    replaced: {
      heading: "This link was replaced by a newer one",
      detail: "A newer authorization link was issued for this account; only the newest link works.",
    },
    orphaned: {
      heading: "This link is no longer valid",
      detail: "The account it was issued for no longer exists.",
    },
    unknown: { heading: "Link not found", detail: "This authorization link is not recognised." },
  };
  const { heading, detail } = text[reason];
  return layout({
    title: heading,
    tone: "error",
    body: `
      <h1>${escapeHtml(heading)}</h1>
      <p>${escapeHtml(detail)}</p>
      <p>Ask the agent for a new link to continue.</p>`,
  });
}

/** A used (or replaced) link whose account is connected: nothing left to do. */
export function renderAlreadyConnectedPage(displayName: string, identifier: string): string {
  return layout({
    title: "Already connected",
    tone: "success",
    body: `
      <h1>Already connected — go back to the app</h1>
      <p><strong>${escapeHtml(displayName)}</strong> is already connected for
        <strong class="user">${escapeHtml(identifier)}</strong>. This link is no longer needed.</p>
      <p>You can close this tab and return to the conversation.</p>`,
  });
}

/** A POST that did not come from the consent page itself (another origin, or no form token). */
export function renderRefusedPage(message: string): string {
  return layout({
    title: "Request refused",
    tone: "error",
    body: `<h1>Request refused</h1><p>${escapeHtml(message)}</p>
      <p>Open the authorization link directly and answer on that page.</p>`,
  });
}

export function renderBadRequestPage(message: string): string {
  return layout({
    title: "Bad request",
    tone: "error",
    body: `<h1>Bad request</h1><p>${escapeHtml(message)}</p>`,
  });
}

function layout({ title, body, tone }: { title: string; body: string; tone?: "success" | "error" }): string {
  const accent = tone === "success" ? "#15803d" : tone === "error" ? "#b91c1c" : "#4f46e5";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} — ${PRODUCT}</title>
<style>
  :root { color-scheme: light dark; --accent: ${accent}; }
  * { box-sizing: border-box; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; padding: 24px;
    font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
    background: #f4f4f7; color: #1f2330; }
  main { width: 100%; max-width: 480px; background: #fff; border-radius: 14px; padding: 32px;
    box-shadow: 0 1px 3px rgb(0 0 0 / 8%), 0 12px 32px rgb(0 0 0 / 8%); border-top: 4px solid var(--accent); }
  .badge { display: inline-block; font-size: 12px; letter-spacing: .04em; text-transform: uppercase;
    color: #5b6170; background: #eef0f5; border-radius: 999px; padding: 2px 10px; margin-bottom: 12px; }
  h1 { font-size: 22px; margin: 0 0 12px; }
  h2 { font-size: 14px; margin: 20px 0 8px; color: #5b6170; text-transform: uppercase; letter-spacing: .04em; }
  .user { overflow-wrap: anywhere; }
  .scopes { margin: 0; padding-left: 20px; }
  .scopes li { margin: 2px 0; }
  .scopes code { font-size: 13px; overflow-wrap: anywhere; }
  .actions { display: flex; gap: 12px; justify-content: flex-end; margin-top: 24px; }
  button { font: inherit; font-weight: 600; border-radius: 8px; padding: 10px 20px; cursor: pointer; border: 1px solid transparent; }
  .primary { background: var(--accent); color: #fff; }
  .secondary { background: transparent; color: #1f2330; border-color: #c9ccd6; }
  button:focus-visible { outline: 3px solid #a5b4fc; outline-offset: 2px; }
  .primary:hover { filter: brightness(1.1); }
  .secondary:hover { background: rgb(127 127 127 / 10%); }
  @media (max-width: 420px) { main { padding: 24px 20px; } .actions { flex-direction: column-reverse; } button { width: 100%; } }
  .muted { color: #5b6170; }
  .small { font-size: 13px; margin-top: 20px; }
  .error { color: #b91c1c; font-weight: 600; }
  .field { display: block; margin: 12px 0; font-weight: 600; font-size: 14px; }
  .field input { display: block; width: 100%; margin-top: 4px; font: inherit; font-weight: 400; padding: 8px 10px;
    border-radius: 8px; border: 1px solid #c9ccd6; }
  footer { margin-top: 24px; font-size: 12px; color: #656b7a; }
  @media (prefers-color-scheme: dark) {
    body { background: #14161c; color: #e6e8ee; }
    main { background: #1d2029; }
    .badge { background: #2a2e3a; color: #b4b9c6; }
    .secondary { color: #e6e8ee; border-color: #3b4050; }
    .muted, h2, footer { color: #a0a6b4; }
  }
</style>
</head>
<body>
<main>
<span class="badge">${PRODUCT}</span>
${body}
<footer>A local stand-in for Scalekit's hosted authorization page. Nothing leaves this machine.</footer>
</main>
</body>
</html>
`;
}
