import type { RuntimeEvent } from "../../runtime/events.js";
import type { JsonPath } from "./json-source.js";

/** A runtime event as the runner saw it, with the turn that was in progress. */
export interface RecordedEvent {
  seq: number;
  /** Index of the script turn in progress when the event arrived. */
  turn: number;
  event: RuntimeEvent;
}

/** What happened when a script ran: the input of the expectation checks. */
export interface RunRecord {
  events: RecordedEvent[];
  /** How many turns ran (all of them unless the run stopped early). */
  turnsRun: number;
  /** Set when the run stopped before the last turn finished: which turn and why. */
  stopped?: { turn: number; reason: string };
}

/** One expectation (or implicit check) of one turn, evaluated. */
export interface CheckResult {
  turn: number;
  /** Where the expectation is written in the script. */
  path: JsonPath;
  /** What was checked, e.g. `calls gmail_send_message { to: contains "sam" }`. */
  description: string;
  met: boolean;
  expected?: string;
  actual?: string;
}
