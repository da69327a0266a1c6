import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { AccountStatus } from "../auth/agent-auth.js";
import { CONNECTORS, type ConnectorId } from "../connectors/registry.js";

/** `prompts/system.md`, found relative to this module in both `src/` and `dist/`. */
export const DEFAULT_PROMPT_PATH = fileURLToPath(new URL("../../prompts/system.md", import.meta.url));

export async function loadPromptTemplate(path: string = DEFAULT_PROMPT_PATH): Promise<string> {
  return readFile(path, "utf8");
}

const CAPABILITIES: Record<ConnectorId, string> = {
  gmail: "search, read, send and draft email",
  "google-calendar": "list, create, update and delete events, and find free time",
  slack: "list channels and users, read channels, search messages and post messages",
  notion: "search, read, create and append to pages, and query databases",
  outlook: "search, read and send Outlook mail; list, create, update and delete Outlook calendar events",
};

export interface PromptValues {
  now: Date;
  timeZone: string;
  connectors: readonly ConnectorId[];
  /** Current status per connector, when known; unknown ones are omitted. */
  statuses?: ReadonlyMap<ConnectorId, AccountStatus>;
}

/** The prompt's date and time formats per zone: building one takes far longer than using it. */
const FORMATS = new Map<string, Record<"date" | "isoDate" | "time", Intl.DateTimeFormat>>();

function formatsFor(timeZone: string) {
  let formats = FORMATS.get(timeZone);
  if (!formats) {
    formats = {
      date: new Intl.DateTimeFormat("en-US", {
        timeZone,
        weekday: "long",
        year: "numeric",
        month: "long",
        day: "numeric",
      }),
      isoDate: new Intl.DateTimeFormat("en-CA", { timeZone }),
      time: new Intl.DateTimeFormat("en-GB", {
        timeZone,
        hour: "2-digit",
        minute: "2-digit",
        timeZoneName: "short",
      }),
    };
    FORMATS.set(timeZone, formats);
  }
  return formats;
}

/** Fills the template's `{{placeholders}}`; unknown placeholders are left as they are. */
export function renderSystemPrompt(template: string, values: PromptValues): string {
  const { date: dateFormat, isoDate: isoFormat, time: timeFormat } = formatsFor(values.timeZone);
  const date = dateFormat.format(values.now);
  const isoDate = isoFormat.format(values.now);
  const time = timeFormat.format(values.now);
  const connectors = values.connectors
    .map((id) => `- ${CONNECTORS[id].displayName}: ${CAPABILITIES[id]}.`)
    .join("\n");
  const connectionStatus = values.statuses
    ? values.connectors
        .map((id) => {
          const status = values.statuses?.get(id);
          const text =
            status === "ACTIVE"
              ? "connected"
              : status === undefined
                ? "unknown"
                : status === "NOT_FOUND" || status === "PENDING_AUTH"
                  ? "not connected yet (calling its tools will ask the user to connect)"
                  : status === "PENDING_VERIFICATION"
                    ? "consent given but not verified yet (calling its tools will ask the user to finish connecting)"
                    : `needs reconnecting (${status.toLowerCase()})`;
          return `- ${CONNECTORS[id].displayName}: ${text}`;
        })
        .join("\n")
    : "Unknown right now; call the tools you need and Delegate will ask for any missing connection.";
  const replacements: Record<string, string> = {
    date: `${date} (${isoDate})`,
    time,
    timeZone: values.timeZone,
    connectors,
    connectionStatus,
  };
  return template.replace(/\{\{(\w+)\}\}/g, (match, name: string) => replacements[name] ?? match);
}
