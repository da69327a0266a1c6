import { homedir } from "node:os";
import { join } from "node:path";
import { CONNECTOR_IDS, type ConnectorId, isConnectorId } from "../connectors/registry.js";

/**
 * Readers of single environment variables: each returns the value, or records a problem that
 * names the variable and the fix (loadConfig reports them all at once).
 */

/**
 * A path with a leading `~` or `~/` as a shell expands it: dotenv (and a quoted shell value)
 * pass `~` through, and Node would make a folder literally named `~`. `~user/…` is not
 * expanded, so it is a problem rather than a surprising folder.
 */
export function expandHome(name: string, value: string | undefined, problems: string[]): string | undefined {
  if (value === undefined || !value.startsWith("~")) return value;
  if (value === "~") return homedir();
  if (value.startsWith("~/")) return join(homedir(), value.slice(2));
  problems.push(
    `${name} "${value}": only ~ and ~/ are expanded (to your home folder); write the full path instead.`,
  );
  return undefined;
}

/** `google-calendar=my-gcal,slack=team-slack` → overrides; unknown connectors are problems. */
export function parseConnections(
  value: string | undefined,
  problems: string[],
): Partial<Record<ConnectorId, string>> {
  const overrides: Partial<Record<ConnectorId, string>> = {};
  if (!value) return overrides;
  for (const entry of value
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)) {
    const [connector, connection, ...rest] = entry.split("=").map((part) => part.trim());
    if (!connector || !connection || rest.length > 0) {
      problems.push(
        `DELEGATE_CONNECTIONS entry "${entry}" is not connector=connection, e.g. DELEGATE_CONNECTIONS=google-calendar=my-gcal.`,
      );
    } else if (!isConnectorId(connector)) {
      problems.push(
        `DELEGATE_CONNECTIONS names unknown connector "${connector}"; known: ${CONNECTOR_IDS.join(", ")}.`,
      );
    } else if (!/^[A-Za-z0-9_.-]+$/.test(connection)) {
      problems.push(
        `DELEGATE_CONNECTIONS connection name "${connection}" may only hold letters, digits, "-", "_" and ".".`,
      );
    } else {
      overrides[connector] = connection;
    }
  }
  return overrides;
}

/** Days as a positive number; unset leaves retention off. */
export function parseRetention(value: string | undefined, problems: string[]): { days: number } | undefined {
  const days = parsePositive(
    value,
    problems,
    `DELEGATE_RETENTION_DAYS "${value}" is not a positive number of days (threads idle that long are deleted); unset it to keep threads.`,
  );
  return days === undefined ? undefined : { days };
}

/** Calls a second, a positive number (fractions allowed: 0.5 is a call every 2 s). */
export function parsePollBudget(value: string | undefined, problems: string[]): number | undefined {
  return parsePositive(
    value,
    problems,
    `DELEGATE_POLL_BUDGET "${value}" is not a positive number of Scalekit calls a second (default 10); e.g. 5, or 0.5 for one call every 2 s.`,
  );
}

/** A whole number of model calls above 0. */
export function parseMaxModelCalls(value: string | undefined, problems: string[]): number | undefined {
  if (value === undefined) return undefined;
  const calls = Number(value);
  if (Number.isInteger(calls) && calls > 0) return calls;
  problems.push(
    `DELEGATE_MAX_MODEL_CALLS "${value}" is not a whole number above 0; it is how many times one request may call the model (default 25).`,
  );
  return undefined;
}

/** A positive number (fractions allowed), or `problem` recorded; unset is undefined. */
function parsePositive(value: string | undefined, problems: string[], problem: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (Number.isFinite(number) && number > 0) return number;
  problems.push(problem);
  return undefined;
}

/** A positive whole number of tokens, or 0 / off to send the model the whole conversation. */
export function parseContextTokens(
  value: string | undefined,
  problems: string[],
): { maxTokens: number } | false | undefined {
  if (value === undefined) return undefined;
  if (value === "0" || value.toLowerCase() === "off") return false;
  const maxTokens = Number(value);
  if (Number.isInteger(maxTokens) && maxTokens > 0) return { maxTokens };
  problems.push(
    `DELEGATE_CONTEXT_TOKENS "${value}" is not a whole number of tokens (e.g. 16000), or 0 / off to send the whole conversation.`,
  );
  return undefined;
}

/** `gmail,slack` enables those; `-notion` disables one; unset enables all. */
export function parseConnectors(value: string | undefined, problems: string[]): ConnectorId[] {
  if (!value) return [...CONNECTOR_IDS];
  const entries = value
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
  const unknown = entries.map((entry) => entry.replace(/^-/, "")).filter((entry) => !isConnectorId(entry));
  if (unknown.length > 0) {
    problems.push(
      `DELEGATE_CONNECTORS names unknown connector(s) ${unknown.map((u) => `"${u}"`).join(", ")}; known: ${CONNECTOR_IDS.join(", ")}.`,
    );
    return [];
  }
  const excluded = entries.filter((entry) => entry.startsWith("-")).map((entry) => entry.slice(1));
  const included = entries.filter((entry) => !entry.startsWith("-"));
  if (excluded.length > 0 && included.length > 0) {
    problems.push(
      `DELEGATE_CONNECTORS mixes connectors to enable (${included.join(", ")}) with exclusions (-${excluded.join(", -")}); use either a list (gmail,slack) or only exclusions (-notion,-outlook).`,
    );
    return [];
  }
  const base = included.length > 0 ? included : [...CONNECTOR_IDS];
  const enabled = CONNECTOR_IDS.filter((id) => base.includes(id) && !excluded.includes(id));
  if (enabled.length === 0) {
    problems.push(
      `DELEGATE_CONNECTORS turns every connector off, which leaves an agent that can do nothing; name the ones to use (gmail,slack) or leave it unset for all.`,
    );
  }
  return enabled;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}
