/**
 * The demo mailbox every sandbox user starts with: about twenty messages over the last three
 * weeks, relative to the emulator's clock, so "unread", "newer_than:3d" and "latest from Dana"
 * always mean something.
 */
import { DAY, HOUR } from "../seed-support.js";

/** The sandbox account's own address; every seeded mailbox belongs to it. */
export const GMAIL_SANDBOX_ADDRESS = "you@example.com";
export const GMAIL_SANDBOX_USER = `Alex Morgan <${GMAIL_SANDBOX_ADDRESS}>`;

export interface SeedAttachment {
  filename: string;
  mimeType: string;
  content: string;
}

export interface SeedMail {
  /** Stable name for docs and tests (ids are generated per mailbox). */
  key: string;
  /** Messages sharing a thread key form one thread, oldest first. */
  thread: string;
  minutesAgo: number;
  from: string;
  to: string;
  cc?: string;
  subject: string;
  /** Plain text; paragraphs separated by blank lines. */
  text: string;
  /** `plain`: text/plain only; `alternative`: text + generated HTML; `html`: HTML only. */
  format: "plain" | "alternative" | "html";
  /** HTML body for `html` messages (otherwise generated from the text). */
  html?: string;
  attachments?: SeedAttachment[];
  /** For calendar invitations: a text/calendar alternative. */
  calendar?: string;
  labels: string[];
}

const DANA = "Dana Whitfield <dana@acme-corp.com>";
const SAM = "Sam Rivera <sam@example.com>";
const PRIYA = "Priya Natarajan <priya@example.com>";
const LEO = "Leo Martins <leo@example.com>";
const MARCUS = "Marcus Lee <marcus@acme-corp.com>";
const BILLING = "Northwind Cloud Billing <billing@northwindcloud.com>";
const NEWSLETTER = "The Weekly Stack <newsletter@weeklystack.dev>";
const GITHUB = "Jamie Park <notifications@github.com>";
const REPO = "acme/delegate <delegate@noreply.github.com>";

/** Google sends an invitation's iCalendar both as a text/calendar alternative and as an attachment. */
const ROADMAP_INVITE_ICS =
  "BEGIN:VCALENDAR\nMETHOD:REQUEST\nBEGIN:VEVENT\nSUMMARY:Q3 roadmap review\nORGANIZER:mailto:priya@example.com\nEND:VEVENT\nEND:VCALENDAR";

type Defaulted = "thread" | "to" | "format";
type MailFields = Omit<SeedMail, "key" | "minutesAgo" | "from" | Defaulted> &
  Partial<Pick<SeedMail, Defaulted>>;

/** Most seeded mail is received by the sandbox address, alone in its thread, with an HTML alternative. */
function mail(key: string, minutesAgo: number, from: string, fields: MailFields): SeedMail {
  return { key, thread: key, minutesAgo, from, to: GMAIL_SANDBOX_ADDRESS, format: "alternative", ...fields };
}

export function gmailSeed(now: Date): SeedMail[] {
  const dayLabel = (offsetDays: number) =>
    new Intl.DateTimeFormat("en-US", {
      timeZone: "America/Los_Angeles",
      weekday: "short",
      month: "short",
      day: "numeric",
      year: "numeric",
    }).format(new Date(now.getTime() + offsetDays * 86_400_000));
  const meeting = dayLabel(3);
  // PST or PDT, as Google writes it for that day (December is not daylight time).
  const meetingZone =
    new Intl.DateTimeFormat("en-US", { timeZone: "America/Los_Angeles", timeZoneName: "short" })
      .formatToParts(new Date(now.getTime() + 3 * 86_400_000))
      .find((part) => part.type === "timeZoneName")?.value ?? "PT";
  const dueDate = dayLabel(11);

  return [
    mail("offsite-agenda", 20 * DAY, "Lena Ortiz <lena@example.com>", {
      thread: "offsite",
      to: GMAIL_SANDBOX_USER,
      subject: "Team offsite agenda (draft)",
      text: "Hi all,\n\nHere's a first pass at the offsite agenda. Day 1: retro on the H1 launches and a planning block for Q3. Day 2: hack morning, then the team dinner at Farmhouse Kitchen.\n\nPlease reply with anything you'd like added by the end of next week.\n\nLena",
      labels: ["INBOX"],
    }),
    mail("invoice-paid", 18 * DAY + 3 * HOUR, BILLING, {
      subject: "Payment received for invoice INV-20931",
      text: "Thanks for your payment.\n\nInvoice INV-20931 for $1,284.00 (usage for last month) has been paid in full with the Visa ending in 4242.\n\nYou can download receipts any time from the Billing page of your Northwind Cloud console.\n\nNorthwind Cloud Billing",
      labels: ["INBOX", "CATEGORY_UPDATES"],
    }),
    mail("security-alert", 15 * DAY + 7 * HOUR, "Google <no-reply@accounts.google.com>", {
      subject: "Security alert",
      text: "A new sign-in on Mac\n\nWe noticed a new sign-in to your Google Account on a Mac device. If this was you, you don't need to do anything. If not, we'll help you secure your account.\n\nCheck activity: https://myaccount.google.com/notifications",
      labels: ["INBOX", "CATEGORY_UPDATES"],
    }),
    mail("dana-intro-notes", 13 * DAY + 2 * HOUR, DANA, {
      thread: "dana-intro",
      to: GMAIL_SANDBOX_USER,
      subject: "Notes from our intro call",
      format: "plain",
      text: "Hi Alex,\n\nGreat speaking today. Quick recap:\n- Acme will pilot the integration with two regional teams starting next month.\n- You'll share the security questionnaire and SOC 2 report.\n- I'll send over our standard MSA so legal can start reviewing.\n\nTalk soon,\nDana\n\n--\nDana Whitfield | Partnerships, Acme Corp\n+1 (415) 555-0142",
      labels: ["INBOX"],
    }),
    mail("recruiter", 10 * DAY + 5 * HOUR, "Morgan Blake <morgan@talentbridge.io>", {
      subject: "Staff Engineer role at Lumen Health",
      format: "plain",
      text: "Hi Alex,\n\nI'm working with Lumen Health on a Staff Engineer role leading their platform team (remote, US). Given your background in distributed systems I thought it might be a fit. The range is $230-270k plus equity.\n\nWould you be open to a 20-minute chat next week?\n\nBest,\nMorgan Blake\nTalentBridge",
      labels: ["INBOX"],
    }),
    newsletter(141, "Postgres 17 in production", 3, 9 * DAY + 1 * HOUR, ["INBOX", "CATEGORY_PROMOTIONS"]),
    mail("priya-spec", 8 * DAY + 4 * HOUR, PRIYA, {
      thread: "smart-reminders",
      to: GMAIL_SANDBOX_USER,
      cc: LEO,
      subject: "Spec draft: smart reminders",
      text: "Hi Alex,\n\nHere's the first draft of the smart reminders spec: https://docs.example.com/d/smart-reminders\n\nOpen questions:\n1. Should reminders snooze across devices?\n2. What's our daily notification budget per user?\n3. Do we ship behind a flag for the beta cohort first?\n\nWould love your comments by Wednesday.\n\nPriya",
      labels: ["INBOX"],
    }),
    mail("sent-priya-reply", 7 * DAY + 2 * HOUR, GMAIL_SANDBOX_USER, {
      thread: "smart-reminders",
      to: PRIYA,
      cc: LEO,
      subject: "Re: Spec draft: smart reminders",
      format: "plain",
      text: "Hi Priya,\n\nLeft comments in the doc. My biggest concern is the notification budget: I'd cap it at 3 per day and let users raise it. Agree on the flag for the beta cohort.\n\nAlex",
      labels: ["SENT"],
    }),
    mail("dana-redlines", 6 * DAY + 6 * HOUR, DANA, {
      thread: "acme-contract",
      to: GMAIL_SANDBOX_USER,
      cc: MARCUS,
      subject: "Q3 vendor contract — redlines",
      text: "Hi Alex,\n\nLegal reviewed the MSA and has three redlines:\n1. Payment terms net 45 instead of net 30.\n2. Liability cap at 12 months of fees.\n3. Auto-renewal notice period of 60 days.\n\nCan you confirm by Friday whether these work on your side?\n\nThanks,\nDana",
      labels: ["INBOX", "IMPORTANT"],
    }),
    mail("order-shipped", 6 * DAY + 1 * HOUR, "Packmule Shop <orders@packmule.example>", {
      subject: "Your order #PM-58213 has shipped",
      text: "Good news! Your order #PM-58213 (Trailhead 28L daypack, charcoal) is on its way.\n\nCarrier: UPS, tracking 1Z999AA10123456784. Estimated delivery: in 3-4 business days.\n\nTrack your package: https://packmule.example/orders/PM-58213",
      labels: ["INBOX", "CATEGORY_UPDATES"],
    }),
    mail("sent-dana-reply", 5 * DAY + 3 * HOUR, GMAIL_SANDBOX_USER, {
      thread: "acme-contract",
      to: DANA,
      cc: MARCUS,
      subject: "Re: Q3 vendor contract — redlines",
      format: "plain",
      text: "Hi Dana,\n\nNet 45 and the 60-day notice both work for us. On the liability cap, 12 months is fine as long as data breaches are carved out. Could legal send revised language?\n\nBest,\nAlex",
      labels: ["SENT"],
    }),
    mail("coffee-promo", 4 * DAY + 9 * HOUR, "Fieldnotes Coffee <hello@fieldnotes.coffee>", {
      subject: "20% off your next bag — this weekend only",
      text: "Our new Ethiopia Guji roast just landed: notes of blueberry, jasmine and dark chocolate.\n\nUse code WEEKEND20 for 20% off any bag through Sunday.\n\nShop now: https://fieldnotes.coffee/shop",
      labels: ["INBOX", "CATEGORY_PROMOTIONS"],
    }),
    mail("invoice-ready", 3 * DAY + 2 * HOUR, BILLING, {
      subject: "Your Northwind Cloud invoice INV-21407 is ready",
      text: `Your invoice for last month is ready.\n\nInvoice: INV-21407\nAmount due: $1,412.50\nDue date: ${dueDate}\n\nThe amount will be charged automatically to the Visa ending in 4242 on the due date.\n\nView invoice: https://console.northwindcloud.com/billing/invoices/INV-21407`,
      labels: ["INBOX", "CATEGORY_UPDATES"],
    }),
    mail("priya-spec-v2", 3 * DAY, PRIYA, {
      thread: "smart-reminders",
      to: GMAIL_SANDBOX_USER,
      cc: LEO,
      subject: "Re: Spec draft: smart reminders",
      text: "Thanks Alex! I took the 3-per-day cap and rewrote section 4 around it. v2 is in the same doc.\n\nI'd like to lock the spec at the roadmap review this week, so any last comments before then are welcome.\n\nPriya",
      labels: ["INBOX"],
    }),
    mail("github-review", 2 * DAY + 5 * HOUR, GITHUB, {
      thread: "github-482",
      to: REPO,
      cc: `Review requested <review_requested@noreply.github.com>`,
      subject: "[acme/delegate] Add retry budget to sync worker (PR #482)",
      text: "@jpark requested your review on: acme/delegate#482 Add retry budget to sync worker.\n\nThe sync worker now stops retrying a provider after 5 failures per minute and backs off with jitter.\n\n-- \nReply to this email directly or view it on GitHub:\nhttps://github.com/acme/delegate/pull/482",
      labels: ["INBOX", "CATEGORY_UPDATES"],
    }),
    newsletter(142, "The case for boring queues", 14, 2 * DAY + 1 * HOUR, [
      "INBOX",
      "UNREAD",
      "CATEGORY_PROMOTIONS",
    ]),
    mail("sam-lunch", 1 * DAY + 2 * HOUR, SAM, {
      thread: "lunch",
      subject: "Lunch on Thursday?",
      format: "plain",
      text: "Hey!\n\nAre you free for lunch on Thursday? I was thinking noon at the new ramen place on 5th (Menya Hoshi). My treat, I owe you for the conference intro.\n\nSam",
      labels: ["INBOX", "UNREAD"],
    }),
    mail("roadmap-invite", 20 * HOUR, PRIYA, {
      subject: `Invitation: Q3 roadmap review @ ${meeting} 2pm - 3pm (${meetingZone}) (${GMAIL_SANDBOX_ADDRESS})`,
      text: `Q3 roadmap review\n\nWhen: ${meeting}, 2pm - 3pm (Pacific Time)\nWhere: Zoom, https://zoom.example.com/j/8841230099\nOrganizer: priya@example.com\nGuests: you@example.com, dana@acme-corp.com, leo@example.com\n\nAgenda: lock the smart reminders spec, Q3 priorities, staffing.\n\nReply for ${GMAIL_SANDBOX_ADDRESS}: Yes / No / Maybe\n\nInvitation from Google Calendar`,
      calendar: ROADMAP_INVITE_ICS,
      attachments: [{ filename: "invite.ics", mimeType: "application/ics", content: ROADMAP_INVITE_ICS }],
      labels: ["INBOX", "UNREAD", "IMPORTANT"],
    }),
    mail("invoice-reminder", 12 * HOUR, BILLING, {
      subject: "Action needed: card on file expires before invoice INV-21407 is charged",
      text: `The Visa ending in 4242 expires before invoice INV-21407 ($1,412.50) is charged on ${dueDate}.\n\nPlease update your payment method to avoid a failed payment: https://console.northwindcloud.com/billing/payment-methods\n\nNorthwind Cloud Billing`,
      labels: ["INBOX", "UNREAD", "IMPORTANT", "CATEGORY_UPDATES"],
    }),
    mail("github-merged", 5 * HOUR, GITHUB, {
      thread: "github-482",
      to: REPO,
      cc: "Mention <mention@noreply.github.com>",
      subject: "Re: [acme/delegate] Add retry budget to sync worker (PR #482)",
      text: "Merged #482 into main.\n\n-- \nReply to this email directly or view it on GitHub:\nhttps://github.com/acme/delegate/pull/482#event-1290331",
      labels: ["INBOX", "UNREAD", "CATEGORY_UPDATES"],
    }),
    mail("dana-redlines-v3", 4 * HOUR, DANA, {
      thread: "acme-contract",
      to: GMAIL_SANDBOX_USER,
      cc: MARCUS,
      subject: "Re: Q3 vendor contract — redlines",
      text: "Hi Alex,\n\nLegal agreed to the data-breach carve-out. The updated MSA (v3) is attached with all changes tracked. If it looks good, I'll send it for signature through DocuSign on Monday.\n\nCan we do a 15-minute call tomorrow to close out the last open point, the SLA credits?\n\nDana",
      attachments: [
        {
          filename: "Acme_MSA_v3_redline.pdf",
          mimeType: "application/pdf",
          content: "%PDF-1.4\n% Acme Master Services Agreement v3 (redline)\n%%EOF\n",
        },
      ],
      labels: ["INBOX", "UNREAD", "IMPORTANT"],
    }),
  ];
}

/** An issue of the HTML-only newsletter: its subject and body share the issue and headline. */
function newsletter(
  issue: number,
  headline: string,
  sections: number,
  minutesAgo: number,
  labels: string[],
): SeedMail {
  return mail(`newsletter-${issue}`, minutesAgo, NEWSLETTER, {
    subject: `The Weekly Stack #${issue}: ${headline}`,
    format: "html",
    text: "",
    html: newsletterHtml(issue, headline, sections),
    labels,
  });
}

const STORIES: readonly [string, string][] = [
  [
    "The case for boring queues",
    "Every few years a team replaces its job queue with something exciting and spends the next year rediscovering why the boring one worked. This week we look at three migrations back to a plain database-backed queue, what they gained in operability, and the one workload where a log-structured broker really did earn its keep.",
  ],
  [
    "Idempotency keys, explained with receipts",
    "A payment API that retries safely needs a key the client chooses and the server remembers. We walk through storage, expiry and the subtle case where two requests with the same key carry different bodies, with examples from three public APIs.",
  ],
  [
    "What we learned running SQLite at the edge",
    "Read replicas in forty regions sound great until a write has to go somewhere. A practical write-up of routing writes, handling replication lag in the UI, and the monitoring that caught a stale-read bug before customers did.",
  ],
  [
    "Backpressure is a product decision",
    "When a system is overloaded, something has to give: latency, freshness or completeness. The essay argues that choosing which one is a product call, and shows how to surface that choice in the API instead of burying it in a retry loop.",
  ],
  [
    "Tracing without the bill shock",
    "Tail-based sampling keeps the interesting traces and drops the rest. A walkthrough of setting it up with OpenTelemetry collectors, plus the three attributes worth always keeping so incidents stay debuggable.",
  ],
  [
    "Feature flags need an expiry date",
    "Flags that outlive their launch turn into permanent branches. One team's policy of owner, expiry and a weekly report cut their live flags from 900 to 140 in a quarter without a single rollback.",
  ],
  [
    "Schema migrations you can undo",
    "Expand, migrate, contract: the three-step pattern for changing a column without downtime, with the order of deploys spelled out and the checks that make each step safe to roll back.",
  ],
];

/** A long HTML-only newsletter, so clients must fall back to HTML and cut long bodies. */
function newsletterHtml(issue: number, headline: string, sections: number): string {
  const blocks: string[] = [];
  for (let index = 0; index < sections; index++) {
    const [title, body] = STORIES[index % STORIES.length] ?? ["", ""];
    const heading = index === 0 ? headline : title;
    blocks.push(
      `<tr><td style="padding:16px 0"><h2 style="font-size:20px">${heading}</h2><p>${body} ${body}</p><p><a href="https://weeklystack.dev/${issue}/${index + 1}">Read more &rarr;</a></p></td></tr>`,
    );
  }
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>The Weekly Stack #${issue}</title><style>body{font-family:Georgia,serif}</style></head><body><table width="600" align="center"><tr><td><h1>The Weekly Stack &mdash; Issue #${issue}</h1><p>Hand-picked reading for people who build and run software. You&#39;re receiving this because you subscribed at weeklystack.dev.</p></td></tr>${blocks.join("")}<tr><td><p style="color:#888">The Weekly Stack, 548 Market St, San Francisco, CA. <a href="https://weeklystack.dev/unsubscribe">Unsubscribe</a></p></td></tr></table></body></html>`;
}
