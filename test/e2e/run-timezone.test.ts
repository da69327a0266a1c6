/**
 * `delegate run` with a script's `timezone:` on a machine in another zone: the offline demo
 * model's replies must give times in the script's zone, as the tools (and their results) do.
 * Real CLI from source, its own sandbox, no mocks.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli-process.js";

let home: string;

interface RunEvent {
  type: string;
  turn?: number;
  toolName?: string;
  args?: Record<string, unknown>;
  status?: string;
  preview?: string;
  text?: string;
  description?: string;
}

/** Runs `delegate run --format jsonl <script>` with the system zone set to `systemZone`. */
async function runJsonl(
  script: string,
  systemZone: string,
): Promise<{ code: number | null; events: RunEvent[]; stderr: string }> {
  // The data dir as working directory: a developer's .env in the repository is never loaded.
  const run = await runCli(["run", "--format", "jsonl", script], {
    dataDir: home,
    env: { TZ: systemZone, HOME: home, NO_COLOR: "1" },
    timeoutMs: 120_000,
  });
  const events = run.stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as RunEvent);
  return { code: run.code, events, stderr: run.stderr };
}

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), "delegate-run-tz-"));
});

afterAll(() => {
  rmSync(home, { recursive: true, force: true });
});

describe("delegate run: the script's timezone", () => {
  it("makes the demo model's replies use the script's zone, not the system's", async () => {
    const script = join(home, "lunch.yaml");
    writeFileSync(
      script,
      `name: lunch in Berlin on a UTC machine
user: alice
timezone: Europe/Berlin
sandbox:
  connected: [google-calendar]
turns:
  - user: schedule lunch with sam@example.com tomorrow at noon
    expect:
      tools:
        - name: google_calendar_create_event
          args: { start: { matches: "T12:00" } }
          result: success
      reply: { contains: "at 12:00 (60 min)" }
  - user: what's on my calendar tomorrow
    expect:
      tools: [{ name: google_calendar_list_events, result: success }]
      reply: { contains: "12:00" }
`,
    );

    const run = await runJsonl(script, "UTC");
    const failed = run.events.filter((event) => event.type === "check" && event.status !== "met");
    expect(failed, run.stderr).toEqual([]);
    expect(run.code, run.stderr).toBe(0);

    // The tool's result is 12:00 local (with Berlin's offset), and the reply says the same time.
    const result = run.events.find(
      (event) => event.type === "tool-result" && event.toolName === "google_calendar_create_event",
    );
    const start = /"start":"\d{4}-\d{2}-\d{2}T(\d{2}:\d{2}):00(?:\.\d+)?([+-]\d{2}:\d{2})"/.exec(
      result?.preview ?? "",
    );
    expect(start?.[1]).toBe("12:00");
    expect(["+01:00", "+02:00"]).toContain(start?.[2]);
    const reply = run.events.filter((event) => event.type === "message" && event.turn === 1).at(-1);
    expect(reply?.text).toContain(`at ${start?.[1]} (60 min)`);
  });
});
