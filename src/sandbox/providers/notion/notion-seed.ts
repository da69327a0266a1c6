/**
 * Seeded Notion workspace for the sandbox: Larkspur Labs' team wiki (handbook, roadmap, meeting
 * notes, launch checklist) and a Projects database. Seeded ids are deterministic so demos and
 * docs can name them; times are relative to `now`.
 */
import {
  callout,
  code,
  DAY,
  divider,
  h1,
  h2,
  h3,
  li,
  MINUTE,
  ol,
  p,
  quote,
  seedId,
  seedWriter,
  todo,
} from "./seed-writer.js";
import { type NotionParent, type NotionWorkspace, richText } from "./workspace.js";

export const NOTION_WORKSPACE_NAME = "Larkspur Labs";

/** Ids of the seeded pages and database, for tests, docs and the demo model. */
export const NOTION_IDS = {
  handbook: seedId("page:handbook"),
  roadmap: seedId("page:roadmap"),
  meetingNotes: seedId("page:meeting-notes"),
  launchChecklist: seedId("page:launch-checklist"),
  projects: seedId("database:projects"),
} as const;

export const NOTION_USER_ID = seedId("user:dana");

export function createNotionSeed(now: Date): NotionWorkspace {
  const ws: NotionWorkspace = {
    name: NOTION_WORKSPACE_NAME,
    userId: NOTION_USER_ID,
    pages: new Map(),
    databases: new Map(),
    blocks: new Map(),
    children: new Map(),
  };
  const at = (msAgo: number) => {
    const time = new Date(Math.floor((now.getTime() - msAgo) / MINUTE) * MINUTE);
    return time.toISOString();
  };
  const day = (daysFromNow: number) => new Date(now.getTime() + daysFromNow * DAY).toISOString().slice(0, 10);
  const month = (offset: number) =>
    new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1)).toLocaleString("en-US", {
      month: "long",
      timeZone: "UTC",
    });
  const { addPage } = seedWriter(ws, at);

  const workspace: NotionParent = { type: "workspace", workspace: true };

  addPage(
    NOTION_IDS.handbook,
    "Team Handbook",
    workspace,
    { icon: "📘", createdDaysAgo: 300, editedMinutesAgo: 9 * 24 * 60 },
    [
      h1("Welcome to Larkspur Labs"),
      p(
        "This handbook is how we work together. It is a living document: if something here is wrong or missing, fix it and tell #team.",
      ),
      h2("How we work"),
      li("Default to async: write it down in Notion, discuss it in Slack."),
      li("Core hours are 10am–3pm in your local time zone; protect the rest for focus."),
      li("Every project has one owner (DRI), listed in the Projects database.", [
        li("The owner keeps Status and Due up to date every Friday."),
      ]),
      h2("Rituals"),
      li("Monday: standup thread in #team."),
      li("Thursday 10am PT: all-hands (agenda linked in #general)."),
      li("Last Friday of the month: demo day."),
      h2("Time off"),
      p(
        "Take the time you need. Post your dates in #team at least a week ahead and add them to the team calendar.",
      ),
      quote("Be kind, be clear, be curious."),
      divider(),
      h3("On-call"),
      ol("Acknowledge pages within 15 minutes."),
      ol("Post status updates in #engineering every 30 minutes during an incident."),
      ol("Write a postmortem within 3 business days for Sev1 and Sev2 incidents."),
      h3("Useful commands"),
      code("shell", "make dev        # run the stack locally\nmake test       # unit + integration tests"),
    ],
  );

  addPage(
    NOTION_IDS.roadmap,
    "Q3 Roadmap",
    workspace,
    { icon: "🗺️", createdDaysAgo: 40, editedMinutesAgo: 20 * 60 },
    [
      h1("Q3 Roadmap"),
      p("Owner: Dana Whitfield. Reviewed with leadership this week; next review in four weeks."),
      h2("Themes"),
      li("Ship Atlas 2.0: new sync engine and redesigned onboarding."),
      li("Enterprise readiness: SSO hardening and an audit log."),
      li("Cut first-30-day churn by 20%."),
      h2("Timeline"),
      ol(`${month(0)}: Atlas 2.0 launch`),
      ol(`${month(1)}: Offline mode beta (moved out a month to protect the launch)`),
      ol(`${month(2)}: Audit log GA`),
      h2("Risks"),
      li("Sync engine load testing slipped by a week."),
      li("Design capacity is tight until the onboarding flow ships."),
      callout("💡", "Decisions are logged in Meeting Notes; project status lives in the Projects database."),
    ],
  );

  const meetingNotes = addPage(
    NOTION_IDS.meetingNotes,
    "Meeting Notes",
    workspace,
    { icon: "📝", createdDaysAgo: 200, editedMinutesAgo: 23 * 60 },
    [p("Notes from recurring meetings, one page per meeting. Add action items as to-dos with an owner.")],
  );
  const meetingParent: NotionParent = { type: "page_id", page_id: meetingNotes };
  addPage(
    seedId("page:meeting:weekly-8"),
    `Weekly Sync — ${day(-8)}`,
    meetingParent,
    { createdDaysAgo: 8, editedMinutesAgo: 8 * 24 * 60 - 90 },
    [
      h2("Attendees"),
      p("Dana, Sam, Priya, Marcus, Jordan"),
      h2("Notes"),
      li("Sync engine v2 is code-complete; load tests start next week."),
      li("Onboarding flow v3 usability tests: 4 of 5 participants finished setup unaided."),
      h2("Action items"),
      todo("Sam: schedule load tests with Tom", true),
      todo("Marcus: share onboarding test recordings", true),
      todo("Jordan: first draft of the launch blog post", true),
    ],
  );
  addPage(
    seedId("page:meeting:roadmap-review"),
    `Q3 Roadmap Review — ${day(-1)}`,
    meetingParent,
    { createdDaysAgo: 1, editedMinutesAgo: 23 * 60 },
    [
      h2("Attendees"),
      p("Dana, Priya, leadership team"),
      h2("Decisions"),
      li("Atlas 2.0 launch stays on date."),
      li("Offline mode beta moves out one month."),
      li("SSO hardening stays P0; audit log follows."),
      h2("Action items"),
      todo("Dana: update the Q3 Roadmap page", true),
      todo("Priya: re-plan offline mode with the new date"),
    ],
  );
  addPage(
    seedId("page:meeting:weekly-1"),
    `Weekly Sync — ${day(-1)}`,
    meetingParent,
    { createdDaysAgo: 1, editedMinutesAgo: 22 * 60 },
    [
      h2("Attendees"),
      p("Dana, Sam, Priya, Marcus, Lena"),
      h2("Notes"),
      li("rc3 passed QA except a P2 in CSV export; the fix lands in rc4."),
      li("Beta customers Brightline, Koto and Meridian will join the launch webinar."),
      li("Launch freeze starts Thursday 5pm PT."),
      h2("Action items"),
      todo("Sam: ship rc4 with the CSV export fix"),
      todo("Lena: update help center articles for Atlas 2.0"),
      todo("Dana: run the go/no-go meeting on Monday"),
    ],
  );

  addPage(
    NOTION_IDS.launchChecklist,
    "Launch Checklist",
    workspace,
    { icon: "🚀", createdDaysAgo: 14, editedMinutesAgo: 60 },
    [
      h1("Atlas 2.0 Launch Checklist"),
      p(`Target launch: ${day(5)}. Go/no-go meeting Monday 11am; owners update their items before then.`),
      h2("Engineering"),
      todo("Feature freeze", true),
      todo("Load test the sync engine at 2x peak traffic", true),
      todo("Ship rc4 with the CSV export fix"),
      todo("Review the production deploy runbook"),
      h2("Marketing"),
      todo("Press release draft", true),
      todo("Final edits to the launch blog post"),
      todo("Schedule social posts"),
      h2("Customer success"),
      todo("Invite beta customers to the launch webinar", true),
      todo("Update help center articles"),
    ],
  );

  const selectOptions = [
    { id: "opt-not-started", name: "Not started", color: "gray" },
    { id: "opt-in-progress", name: "In progress", color: "blue" },
    { id: "opt-done", name: "Done", color: "green" },
  ];
  const projectsCreated = at(120 * DAY);
  ws.databases.set(NOTION_IDS.projects, {
    id: NOTION_IDS.projects,
    parent: workspace,
    title: [richText("Projects")],
    properties: {
      Name: { id: "title", name: "Name", type: "title", title: {} },
      Status: { id: "Zx%3Ab", name: "Status", type: "select", select: { options: selectOptions } },
      Owner: { id: "q%7DRn", name: "Owner", type: "rich_text", rich_text: {} },
      Due: { id: "fT%40k", name: "Due", type: "date", date: {} },
    },
    icon: { type: "emoji", emoji: "📋" },
    created_time: projectsCreated,
    last_edited_time: at(60 * MINUTE),
  });

  const projects: [key: string, name: string, status: string, owner: string, due: number, summary: string][] =
    [
      [
        "atlas",
        "Atlas 2.0 launch",
        "In progress",
        "Dana Whitfield",
        5,
        "Coordinate the Atlas 2.0 release across teams.",
      ],
      ["sync", "Sync engine v2", "Done", "Sam Rivera", -10, "Rewrite of the sync engine for 3x throughput."],
      [
        "onboarding",
        "Onboarding flow redesign",
        "In progress",
        "Marcus Chen",
        3,
        "New setup flow with templates.",
      ],
      ["sso", "SSO hardening", "In progress", "Priya Natarajan", 20, "SAML fixes and SCIM provisioning."],
      ["audit", "Audit log", "Not started", "Tom Nguyen", 60, "Exportable audit trail for enterprise plans."],
      [
        "offline",
        "Offline mode beta",
        "Not started",
        "Sam Rivera",
        40,
        "Read and edit without a connection.",
      ],
      [
        "help",
        "Help center refresh",
        "In progress",
        "Lena Becker",
        7,
        "Rewrite the top 30 articles for Atlas 2.0.",
      ],
      [
        "postgres",
        "Postgres 15 upgrade",
        "Done",
        "Tom Nguyen",
        -2,
        "Upgrade staging and production databases.",
      ],
    ];
  const projectsParent: NotionParent = { type: "database_id", database_id: NOTION_IDS.projects };
  projects.forEach(([key, name, status, owner, due, summary], index) => {
    const option = selectOptions.find((candidate) => candidate.name === status) ?? null;
    addPage(
      seedId(`page:project:${key}`),
      name,
      projectsParent,
      {
        createdDaysAgo: 100 - index,
        editedMinutesAgo: 60 * (index * 7 + 2),
        properties: {
          Status: { id: "Zx%3Ab", type: "select", select: option },
          Owner: { id: "q%7DRn", type: "rich_text", rich_text: [richText(owner)] },
          Due: { id: "fT%40k", type: "date", date: { start: day(due), end: null, time_zone: null } },
        },
      },
      [p(summary)],
    );
  });

  return ws;
}
