/** The parts of the Gmail REST API (v1) the tools use, with just the fields they read. */
import type { ProviderClient } from "../provider-client.js";

export interface GmailHeader {
  name: string;
  value: string;
}

export interface GmailMessagePart {
  partId?: string;
  mimeType?: string;
  filename?: string;
  headers?: GmailHeader[];
  body?: { size?: number; data?: string; attachmentId?: string };
  parts?: GmailMessagePart[];
}

export interface GmailMessage {
  id: string;
  threadId: string;
  labelIds?: string[];
  snippet?: string;
  internalDate?: string;
  payload?: GmailMessagePart;
}

interface MessageList {
  messages?: { id: string; threadId: string }[];
  nextPageToken?: string;
  resultSizeEstimate?: number;
}

interface GmailThread {
  id: string;
  messages?: GmailMessage[];
}

interface GmailDraft {
  id: string;
  message: { id: string; threadId: string; labelIds?: string[] };
}

const BASE = "/gmail/v1/users/me";

/** Ids come from the model; encoding them keeps a crafted id from reaching another endpoint. */
const segment = (id: string) => encodeURIComponent(id);

export function listMessages(http: ProviderClient, q: string, maxResults: number): Promise<MessageList> {
  return http.request<MessageList>({ path: `${BASE}/messages`, query: { q: q || undefined, maxResults } });
}

export function getMessage(
  http: ProviderClient,
  id: string,
  format: "full" | "metadata",
  metadataHeaders?: readonly string[],
): Promise<GmailMessage> {
  return http.request<GmailMessage>({
    path: `${BASE}/messages/${segment(id)}`,
    query: { format, metadataHeaders },
  });
}

export function getThread(
  http: ProviderClient,
  id: string,
  metadataHeaders: readonly string[],
): Promise<GmailThread> {
  return http.request<GmailThread>({
    path: `${BASE}/threads/${segment(id)}`,
    query: { format: "metadata", metadataHeaders },
  });
}

export function sendMessage(http: ProviderClient, raw: string, threadId?: string): Promise<GmailMessage> {
  return http.request<GmailMessage>({
    method: "POST",
    path: `${BASE}/messages/send`,
    body: threadId ? { raw, threadId } : { raw },
  });
}

export function createDraft(http: ProviderClient, raw: string, threadId?: string): Promise<GmailDraft> {
  return http.request<GmailDraft>({
    method: "POST",
    path: `${BASE}/drafts`,
    body: { message: threadId ? { raw, threadId } : { raw } },
  });
}
