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

/** Fills the template's `{{placeholders}}`; unknown placeholders are left as they are. */
export function renderSystemPrompt(template: string, values: PromptValues): string {
  const date = new Intl.DateTimeFormat("en-US", {
    timeZone: values.timeZone,
    weekday: "long",
    year: "numeric",
    month: "long",
    day: "numeric",
  }).format(values.now);
  const isoDate = new Intl.DateTimeFormat("en-CA", { timeZone: values.timeZone }).format(values.now);
  const time = new Intl.DateTimeFormat("en-GB", {
    timeZone: values.timeZone,
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
  }).format(values.now);
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
