import { Temporal } from "temporal-polyfill";
import { afterEach, describe, expect, it } from "vitest";
import type { ConnectorId } from "../../src/index.js";
import { DEMO_EXAMPLES, DemoChatModel } from "../../src/sandbox/demo-model/index.js";
import { collect, ofType, type SandboxRuntime, startSandboxRuntime } from "../helpers/sandbox-runtime.js";

const TIME_ZONE = "Europe/Berlin";

let env: SandboxRuntime | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

async function start(): Promise<SandboxRuntime> {
  env = await startSandboxRuntime({ model: new DemoChatModel({ timeZone: TIME_ZONE }) });
  return env;
}

/**
 * Sends one message in the thread, connecting accounts and approving what the policy asks about
 * (moving and cancelling events), and returns the final answer.
 */
async function say(e: SandboxRuntime, userId: string, text: string): Promise<string> {
  const threadId = `t-${userId}`;
  const events = await collect(e.runtime.send({ userId, threadId, text }), async (event) => {
    if (event.type !== "authorization-required") return;
    for (const request of event.requests)
      await e.sandbox.controls.approve({ userId }, request.connector as ConnectorId);
    if (event.approvals.length > 0) {
      const decisions = event.approvals.map((approval) => ({
        toolCallId: approval.toolCallId,
        type: "approve" as const,
      }));
      await collect(e.runtime.decide({ userId, threadId, decisions }));
    }
  });
  const [end] = ofType(events, "turn-end");
  expect(end?.status).toBe("completed");
  return end?.text ?? "";
}

/** Tomorrow's Outlook events for the user, as subject and local start ("15:00"). */
function tomorrow(e: SandboxRuntime, userId: string): { subject: string; start: string }[] {
  const day = Temporal.Now.plainDateISO(TIME_ZONE).add({ days: 1 });
  return e.sandbox.emulators.outlook
    .inspect(userId)
    .events.map((event) => {
      const start = event.start as { dateTime: string };
      const local = Temporal.Instant.from(`${start.dateTime.slice(0, 19)}Z`).toZonedDateTimeISO(TIME_ZONE);
      return {
        subject: String(event.subject),
        day: local.toPlainDate(),
        start: local.toPlainTime().toString().slice(0, 5),
      };
    })
    .filter((event) => event.day.equals(day))
    .map(({ subject, start }) => ({ subject, start }));
}

describe("the offline demo model on the sandbox, through the runtime", () => {
  it("runs the README's Outlook calendar examples in order: schedule, move, cancel", async () => {
    const e = await start();
    const [schedule, move, cancel] = DEMO_EXAMPLES.outlook.filter((phrase) => /\bsync\b/.test(phrase));
    expect([schedule, move, cancel]).toEqual([
      "schedule a sync in Outlook tomorrow at 3pm with morgan@contoso.com",
      "move my sync with Morgan in Outlook tomorrow to 4pm",
      "cancel my sync with Morgan in Outlook tomorrow",
    ]);
    const seeded = { subject: "Weekly 1:1 with Morgan", start: "10:00" };

    expect(await say(e, "uma", schedule as string)).toMatch(/^Scheduled "Sync with Morgan"/m);
    expect(tomorrow(e, "uma")).toEqual(
      expect.arrayContaining([seeded, { subject: "Sync with Morgan", start: "15:00" }]),
    );

    const moved = await say(e, "uma", move as string);
    expect(moved).not.toMatch(/Which one/);
    expect(moved).toMatch(/^Moved "Sync with Morgan"/m);
    expect(tomorrow(e, "uma")).toEqual(
      expect.arrayContaining([seeded, { subject: "Sync with Morgan", start: "16:00" }]),
    );

    const cancelled = await say(e, "uma", cancel as string);
    expect(cancelled).toMatch(/^Cancelled "Sync with Morgan"/m);
    const left = tomorrow(e, "uma");
    expect(left).toContainEqual(seeded);
    expect(left.map((event) => event.subject)).not.toContain("Sync with Morgan");
  });

  it("runs the README's Google Calendar examples in order too", async () => {
    const e = await start();
    const [schedule, move, cancel] = DEMO_EXAMPLES["google-calendar"].filter((phrase) =>
      /\blunch\b/.test(phrase),
    );
    expect(await say(e, "wes", schedule as string)).toMatch(/^Scheduled "Lunch with Sam"/m);
    expect(await say(e, "wes", move as string)).toMatch(/^Moved "Lunch with Sam" to tomorrow .* at 13:00/m);
    expect(await say(e, "wes", cancel as string)).toMatch(/^Cancelled "Lunch with Sam"/m);
    const calendar = e.sandbox.emulators.googleCalendar.inspect("wes");
    expect(calendar.events.map((event) => event.summary)).not.toContain("Lunch with Sam");
    expect(calendar.deletedIds).toHaveLength(1);
  });

  it("asks which one when two events match, and acts on the one the reply picks", async () => {
    const e = await start();
    await say(e, "vic", "schedule a sync in Outlook tomorrow at 3pm with morgan@contoso.com");
    await say(e, "vic", "schedule a sync in Outlook tomorrow at 5pm with morgan@contoso.com");

    const question = await say(e, "vic", "cancel my sync with Morgan in Outlook tomorrow");
    expect(question).toMatch(/^1\. .* 15:00–15:30 Sync with Morgan$/m);
    expect(question).toMatch(/^2\. .* 17:00–17:30 Sync with Morgan$/m);
    expect(question).toContain("Which one should I cancel?");
    expect(tomorrow(e, "vic").filter((event) => event.subject === "Sync with Morgan")).toHaveLength(2);

    expect(await say(e, "vic", "the 5pm one")).toMatch(
      /^Cancelled "Sync with Morgan", tomorrow .* at 17:00/m,
    );
    expect(tomorrow(e, "vic").filter((event) => event.subject === "Sync with Morgan")).toEqual([
      { subject: "Sync with Morgan", start: "15:00" },
    ]);
  });
});
