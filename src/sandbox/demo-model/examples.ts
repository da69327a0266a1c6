import { examples as gmail } from "./intents/gmail.js";
import { examples as googleCalendar } from "./intents/google-calendar.js";
import { examples as notion } from "./intents/notion.js";
import { examples as outlook } from "./intents/outlook.js";
import { examples as slack } from "./intents/slack.js";
import type { DemoConnector } from "./plan.js";

/** Requests that join two connectors: parallel calls, or a post that uses the first result. */
const combined: string[] = [
  "what's on my calendar tomorrow? post it to #team on Slack",
  "check my unread email and post a summary to #team",
  "email sam@example.com about lunch saying see you at noon and post 'lunch at noon' to #team",
];

/** Every documented request of the offline demo model, per connector (for help, README and tests). */
export const DEMO_EXAMPLES: Record<DemoConnector | "combined", string[]> = {
  gmail,
  "google-calendar": googleCalendar,
  slack,
  notion,
  outlook,
  combined,
};
