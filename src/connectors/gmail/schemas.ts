import { z } from "zod";

/** Gmail message and thread ids are short alphanumeric strings; anything else is not an id. */
const gmailId = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, "a Gmail id is letters, digits, '-' or '_'");

export const searchMessagesSchema = z.object({
  query: z
    .string()
    .max(500)
    .default("")
    .describe(
      'Gmail search syntax, e.g. "is:unread", "from:dana@acme-corp.com", "subject:invoice newer_than:7d", "in:sent". Empty lists the newest mail.',
    ),
  max_results: z.number().int().min(1).max(50).default(10).describe("How many messages to return (1-50)."),
});

export const getMessageSchema = z.object({
  message_id: gmailId.describe("The message id, as returned by gmail_search_messages."),
});

const addresses = () => z.array(z.email()).max(100);

export const composeSchema = z.object({
  to: addresses().min(1).describe("Recipient email addresses."),
  cc: addresses().optional().describe("Cc email addresses."),
  bcc: addresses().optional().describe("Bcc email addresses."),
  subject: z
    .string()
    .max(500)
    .describe(
      "Subject line. With thread_id, a subject that differs from the thread's becomes 'Re: <thread subject>' so the reply stays in the thread.",
    ),
  body: z.string().max(100_000).describe("Plain-text body."),
  thread_id: gmailId
    .optional()
    .describe("Reply inside this thread (thread_id from gmail_search_messages or gmail_get_message)."),
});

export type ComposeInput = z.infer<typeof composeSchema>;
