import type { ProviderClient } from "../provider-client.js";
import { emailTool } from "../shared/email-tools.js";
import { createDraft, getThread, sendMessage } from "./gmail-api.js";
import { base64UrlEncode, buildRawMessage, header } from "./mime.js";
import { type ComposeInput, composeSchema } from "./schemas.js";

export const sendMessageTool = emailTool("Send email", {
  name: "gmail_send_message",
  description:
    "Send a plain-text email from the user's Gmail. Pass thread_id to reply inside an existing thread. Sends immediately.",
  schema: composeSchema,
  async run(input, { http }) {
    const raw = await composeRaw(http, input);
    const sent = await sendMessage(http, raw, input.thread_id);
    return { id: sent.id, thread_id: sent.threadId, labels: sent.labelIds ?? [] };
  },
});

export const createDraftTool = emailTool("Save a draft", {
  name: "gmail_create_draft",
  description:
    "Save a plain-text email as a draft in the user's Gmail without sending it. Pass thread_id to draft a reply in that thread.",
  schema: composeSchema,
  async run(input, { http }) {
    const raw = await composeRaw(http, input);
    const draft = await createDraft(http, raw, input.thread_id);
    return { draft_id: draft.id, message_id: draft.message.id };
  },
});

async function composeRaw(http: ProviderClient, input: ComposeInput): Promise<string> {
  const reply = input.thread_id ? await replyHeaders(http, input.thread_id, input.subject) : undefined;
  return base64UrlEncode(
    buildRawMessage({
      to: input.to,
      cc: input.cc,
      bcc: input.bcc,
      subject: reply?.subject ?? input.subject,
      body: input.body,
      inReplyTo: reply?.inReplyTo,
      references: reply?.references,
    }),
  );
}

/**
 * Gmail files a sent message into the requested thread only when its Subject matches the thread's
 * and In-Reply-To/References point at the thread's last message, so a reply carries both.
 */
async function replyHeaders(
  http: ProviderClient,
  threadId: string,
  subject: string,
): Promise<{ subject: string; inReplyTo?: string; references?: string }> {
  const thread = await getThread(http, threadId, ["Subject", "Message-ID", "References"]);
  const messages = thread.messages ?? [];
  const last = messages.filter((m) => !m.labelIds?.includes("DRAFT")).at(-1) ?? messages.at(-1);
  const headers = last?.payload?.headers;
  const threadSubject = baseSubject(header(headers, "Subject") ?? "");
  const messageId = header(headers, "Message-ID");
  const references = [header(headers, "References"), messageId].filter(Boolean).join(" ");
  return {
    subject: !threadSubject || baseSubject(subject) === threadSubject ? subject : `Re: ${threadSubject}`,
    ...(messageId ? { inReplyTo: messageId } : {}),
    ...(references ? { references } : {}),
  };
}

/** A subject without its reply/forward prefixes, for comparing a reply with its thread. */
function baseSubject(subject: string): string {
  return subject.replace(/^\s*((re|fwd?|aw|sv)\s*:\s*)+/i, "").trim();
}
