/**
 * Fills a new mailbox with the demo mail (and, when asked, the hostile corpus), built into the
 * same MIME part trees a received message has, with threading headers between replies.
 */

import { escapeHtml } from "../../escape-html.js";
import { hostileMail } from "../hostile-seeds.js";
import { attachmentPart, type MimeHeader, type MimePart, multipart, rfc2822Date, textPart } from "../mime.js";
import { gmailSeed, type SeedMail } from "./gmail-seed.js";
import { type Mailbox, nextId, store } from "./mailbox.js";

export function seedMailbox(box: Mailbox, now: Date, injections: boolean): void {
  const seeds = [...gmailSeed(now), ...(injections ? hostileMail() : [])].sort(
    (a, b) => b.minutesAgo - a.minutesAgo,
  );
  const threads = new Map<string, { id: string; messageIds: string[] }>();
  for (const seed of seeds) {
    const internalDate = now.getTime() - seed.minutesAgo * 60_000;
    const id = nextId(box, internalDate);
    const thread = threads.get(seed.thread);
    const messageId = `<${seed.key}.${id}@${domainOf(seed.from)}>`;
    const headers: MimeHeader[] = [
      { name: "MIME-Version", value: "1.0" },
      { name: "Date", value: rfc2822Date(new Date(internalDate)) },
      { name: "Message-ID", value: messageId },
      ...(thread?.messageIds.length
        ? [
            { name: "In-Reply-To", value: thread.messageIds.at(-1) ?? "" },
            { name: "References", value: thread.messageIds.join(" ") },
          ]
        : []),
      { name: "Subject", value: seed.subject },
      { name: "From", value: seed.from },
      { name: "To", value: seed.to },
      ...(seed.cc ? [{ name: "Cc", value: seed.cc }] : []),
    ];
    const root = seedBody(seed, id);
    store(
      box,
      { ...root, headers: [...headers, ...root.headers] },
      {
        id,
        threadId: thread?.id ?? id,
        labels: seed.labels,
        internalDate,
      },
    );
    if (thread) thread.messageIds.push(messageId);
    else threads.set(seed.thread, { id, messageIds: [messageId] });
  }
}

function seedBody(seed: SeedMail, id: string): MimePart {
  const boundary = (n: number) => `00000000000${n}${id.slice(-13)}`;
  let body: MimePart;
  if (seed.format === "plain") body = textPart("text/plain", seed.text);
  else if (seed.format === "html") body = textPart("text/html", seed.html ?? textToHtml(seed.text));
  else {
    const alternatives = [
      textPart("text/plain", seed.text),
      textPart("text/html", seed.html ?? textToHtml(seed.text)),
    ];
    if (seed.calendar) alternatives.push(textPart("text/calendar", seed.calendar));
    body = multipart("alternative", alternatives, boundary(1));
  }
  if (!seed.attachments?.length) return body;
  return multipart(
    "mixed",
    [
      body,
      ...seed.attachments.map((file) =>
        attachmentPart(file.filename, file.mimeType, Buffer.from(file.content, "utf8")),
      ),
    ],
    boundary(2),
  );
}

function textToHtml(text: string): string {
  const paragraphs = text.split(/\n{2,}/).map((paragraph) => {
    const escaped = escapeHtml(paragraph).replace(/(https?:\/\/[^\s<]+)/g, '<a href="$1">$1</a>');
    return `<p>${escaped.replace(/\n/g, "<br>")}</p>`;
  });
  return `<div dir="ltr">${paragraphs.join("")}</div>`;
}

function domainOf(address: string): string {
  return /@([^>\s]+)/.exec(address)?.[1] ?? "mail.example.com";
}
