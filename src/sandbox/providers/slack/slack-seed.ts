/**
 * Seeded Slack workspace for the sandbox: Larkspur Labs, a small product team getting the
 * Atlas 2.0 launch out of the door. Every user gets a fresh copy; timestamps are relative to
 * `now` so "what's new" always has something recent to show.
 */

export interface SlackSeedUser {
  id: string;
  name: string;
  real_name: string;
  display_name: string;
  title: string;
  is_bot: boolean;
  bot_id?: string;
  tz: string;
}

export interface SlackSeedChannel {
  id: string;
  name: string;
  is_private: boolean;
  topic: string;
  purpose: string;
  created: number;
  creator: string;
  members: string[];
}

export interface SlackSeedMessage {
  channel: string;
  ts: string;
  user: string;
  text: string;
  thread_ts?: string;
  bot_id?: string;
  /**
   * For messages posted through the emulator: whether the poster let Slack unfurl links and media
   * (Slack fetches the URLs in the text to preview them). Unset when the request did not say.
   */
  unfurl_links?: boolean;
  unfurl_media?: boolean;
}

export interface SlackSeed {
  team: { id: string; name: string; domain: string };
  /** The user every sandbox token acts as. */
  me: string;
  users: SlackSeedUser[];
  channels: SlackSeedChannel[];
  messages: SlackSeedMessage[];
}

export const SLACK_TEAM = { id: "T04LARKSPUR", name: "Larkspur Labs", domain: "larkspur" } as const;

export const SLACK_USERS = {
  dana: "U04DWHITFLD",
  sam: "U04SRIVERA0",
  priya: "U04PNATARAJ",
  marcus: "U04MCHEN000",
  jordan: "U04JOKAFOR0",
  lena: "U04LBECKER0",
  tom: "U04TNGUYEN0",
  deployBot: "U04DEPLOYBT",
} as const;

export const SLACK_CHANNELS = {
  general: "C04GENERAL1",
  team: "C04TEAM0001",
  engineering: "C04ENGINEER",
  random: "C04RANDOM01",
  launch: "C04LAUNCH01",
  design: "C04DESIGN01",
} as const;

const U = SLACK_USERS;
const C = SLACK_CHANNELS;

const users: SlackSeedUser[] = [
  person(U.dana, "dana", "Dana Whitfield", "Head of Product"),
  person(U.sam, "sam", "Sam Rivera", "Staff Engineer"),
  person(U.priya, "priya", "Priya Natarajan", "Engineering Manager"),
  person(U.marcus, "marcus", "Marcus Chen", "Product Designer"),
  person(U.jordan, "jordan", "Jordan Okafor", "Marketing Lead", "America/New_York"),
  person(U.lena, "lena", "Lena Becker", "Customer Success Manager", "Europe/Berlin"),
  person(U.tom, "tom", "Tom Nguyen", "Site Reliability Engineer"),
  {
    id: U.deployBot,
    name: "deploybot",
    real_name: "Deploy Bot",
    display_name: "Deploy Bot",
    title: "",
    is_bot: true,
    bot_id: "B04DEPLOY01",
    tz: "America/Los_Angeles",
  },
];

function person(
  id: string,
  name: string,
  realName: string,
  title: string,
  tz = "America/Los_Angeles",
): SlackSeedUser {
  return { id, name, real_name: realName, display_name: realName, title, is_bot: false, tz };
}

const humans = users.filter((user) => !user.is_bot).map((user) => user.id);

type Reply = [minutesAgo: number, user: string, text: string];
type Post = [channel: string, minutesAgo: number, user: string, text: string, replies?: Reply[]];

const HOUR = 60;
const DAY = 24 * HOUR;

const posts: Post[] = [
  // #general
  [
    C.general,
    2 * DAY + 5 * HOUR,
    U.jordan,
    ":mega: Reminder: all-hands is Thursday at 10am PT. The agenda is in Notion under Team Handbook → Rituals.",
  ],
  [
    C.general,
    DAY + 2 * HOUR,
    U.lena,
    "Huge shout-out to <@U04SRIVERA0> for jumping on the Brightline escalation last night. Customer is happy again :tada:",
    [
      [DAY + HOUR + 50, U.dana, "+1, thank you Sam!"],
      [
        DAY + HOUR + 30,
        U.sam,
        "Happy to help. Root cause was the webhook retry storm; the fix is in review.",
      ],
    ],
  ],
  [
    C.general,
    3 * HOUR,
    U.dana,
    "Office note: the 4th floor kitchen is being renovated next week, so the coffee machine moves to the 3rd floor lounge.",
  ],
  // #team
  [
    C.team,
    DAY + 2 * HOUR,
    U.priya,
    "Standup thread for today :thread:",
    [
      [
        DAY + HOUR + 55,
        U.sam,
        "Yesterday: finished export API pagination. Today: load testing the sync worker.",
      ],
      [DAY + HOUR + 40, U.marcus, "Finalizing onboarding flow v3 mocks; sharing in Figma by end of day."],
      [DAY + HOUR + 20, U.dana, "Reviewing the Q3 roadmap with leadership at 2pm, will post notes after."],
    ],
  ],
  [
    C.team,
    20 * HOUR,
    U.dana,
    "Q3 roadmap notes are up in Notion (Q3 Roadmap page). TL;DR: Atlas 2.0 ships first, offline mode moves a month out, SSO hardening stays P0.",
  ],
  [
    C.team,
    4 * HOUR,
    U.marcus,
    "Design review for the new onboarding flow moved to Thursday 3pm. <@U04DWHITFLD> can you make it?",
    [[3 * HOUR + 45, U.dana, "Yes, I'll be there."]],
  ],
  [C.team, 90, U.sam, "Heads up: I'm out Friday afternoon, <@U04PNATARAJ> is covering on-call questions."],
  // #engineering
  [
    C.engineering,
    2 * DAY + 3 * HOUR,
    U.tom,
    "Postgres 15 upgrade on staging is done. Seeing ~12% faster p95 on the reports queries.",
    [
      [2 * DAY + 2 * HOUR, U.priya, "Nice! When do we do prod?"],
      [2 * DAY + HOUR + 30, U.tom, "Proposing Tuesday 6am PT as the maintenance window, I'll send the plan."],
    ],
  ],
  [
    C.engineering,
    30 * HOUR,
    U.deployBot,
    ":white_check_mark: Deployed api v2.14.0 to production (build #4812) by sam",
  ],
  [
    C.engineering,
    28 * HOUR,
    U.sam,
    "PR for the webhook retry backoff is up: <https://github.com/larkspur/atlas/pull/2291|atlas#2291>. Would love a review from <@U04TNGUYEN0>.",
    [
      [27 * HOUR + 40, U.tom, "Looking now."],
      [27 * HOUR, U.tom, "LGTM, one nit about jitter. Approved."],
    ],
  ],
  [
    C.engineering,
    6 * HOUR,
    U.priya,
    "Flaky test alert: `sync_worker_spec` failed 3 of the last 10 runs on main. <@U04SRIVERA0>, is that related to the pagination change?",
    [[5 * HOUR + 40, U.sam, "Probably. The fixture assumes a page size of 50. Fixing now."]],
  ],
  [
    C.engineering,
    2 * HOUR,
    U.deployBot,
    ":white_check_mark: Deployed api v2.15.0 to staging (build #4840) by priya",
  ],
  [
    C.engineering,
    45,
    U.tom,
    "Staging looks healthy after v2.15.0: error rate flat, latency normal. Good to promote to prod before the launch freeze.",
  ],
  [
    C.engineering,
    20,
    U.sam,
    "Launch freeze starts Thursday 5pm PT. Only launch-blocking fixes after that, please tag them `launch-blocker`.",
  ],
  // #random
  [
    C.random,
    2 * DAY + HOUR,
    U.marcus,
    "Who's in for the climbing gym on Wednesday? :climbing:",
    [
      [2 * DAY + 30, U.lena, "Me!"],
      [2 * DAY + 10, U.tom, "Count me in, I'll bring the extra harness."],
    ],
  ],
  [
    C.random,
    DAY,
    U.jordan,
    "Found the best taco truck near the office: La Chispa on 3rd Street. The al pastor is unreal :taco:",
  ],
  [
    C.random,
    5 * HOUR,
    U.lena,
    "Offsite photos are on the shared drive. Someone caught Sam mid-karaoke :microphone:",
  ],
  // #launch (private)
  [
    C.launch,
    3 * DAY,
    U.dana,
    "Kicking off the Atlas 2.0 launch channel. Target date is next Tuesday; the checklist lives in Notion (Launch Checklist).",
  ],
  [
    C.launch,
    2 * DAY,
    U.jordan,
    "Draft press release and launch blog post are ready for review. Embargo lifts Tuesday 9am ET.",
    [
      [DAY + 20 * HOUR, U.dana, "Reviewed the blog post: two small edits in the doc, otherwise great."],
      [DAY + 19 * HOUR, U.jordan, "Applied, thanks!"],
    ],
  ],
  [
    C.launch,
    26 * HOUR,
    U.lena,
    "Beta customers Brightline, Koto and Meridian confirmed they'll join the launch webinar.",
  ],
  [
    C.launch,
    8 * HOUR,
    U.priya,
    "Release candidate rc3 passed QA except one P2 in CSV export. Sam has a fix; not a launch blocker.",
    [[7 * HOUR + 30, U.sam, "Fix merged, it will be in rc4 tomorrow morning."]],
  ],
  [
    C.launch,
    HOUR,
    U.dana,
    "Go/no-go meeting is Monday 11am. Please update your launch checklist items in Notion by then.",
  ],
  // #design (Dana is not a member)
  [C.design, DAY + 3 * HOUR, U.marcus, "New icon set exploration is in Figma. Feedback welcome by Friday."],
  [C.design, 3 * HOUR, U.jordan, "Love the new illustration style for the launch page, Marcus!"],
];

/** Builds a fresh copy of the workspace with timestamps relative to `now`. */
export function createSlackSeed(now: Date): SlackSeed {
  const created = Math.floor(now.getTime() / 1000) - 400 * 86_400;
  const channels: SlackSeedChannel[] = [
    channel(
      C.general,
      "general",
      false,
      "Company-wide announcements",
      "Announcements and work-based matters",
      humans,
    ),
    channel(
      C.team,
      "team",
      false,
      "Product team standups and coordination",
      "Day-to-day product team chatter",
      [U.dana, U.sam, U.priya, U.marcus, U.jordan, U.lena],
    ),
    channel(
      C.engineering,
      "engineering",
      false,
      "Builds, deploys, incidents and code review",
      "Engineering",
      [U.dana, U.sam, U.priya, U.tom, U.marcus, U.deployBot],
    ),
    channel(C.random, "random", false, "Non-work banter and water cooler conversation", "Random", humans),
    channel(
      C.launch,
      "launch",
      true,
      "Atlas 2.0 launch war room (private until announcement)",
      "Launch coordination",
      [U.dana, U.sam, U.priya, U.jordan, U.lena],
    ),
    channel(C.design, "design", false, "Design critique and inspiration", "Design", [
      U.marcus,
      U.lena,
      U.jordan,
    ]),
  ];

  function channel(
    id: string,
    name: string,
    isPrivate: boolean,
    topic: string,
    purpose: string,
    members: string[],
  ): SlackSeedChannel {
    return { id, name, is_private: isPrivate, topic, purpose, created, creator: U.dana, members };
  }

  const messages: SlackSeedMessage[] = [];
  let sequence = 0;
  const ts = (minutesAgo: number) => {
    sequence++;
    const seconds = Math.floor((now.getTime() - minutesAgo * 60_000) / 1000);
    return `${seconds}.${String(sequence).padStart(6, "0")}`;
  };
  const botOf = (user: string) => users.find((candidate) => candidate.id === user)?.bot_id;
  for (const [channelId, minutesAgo, user, text, replies] of posts) {
    const parentTs = ts(minutesAgo);
    const bot = botOf(user);
    messages.push({ channel: channelId, ts: parentTs, user, text, ...(bot ? { bot_id: bot } : {}) });
    for (const [replyMinutesAgo, replyUser, replyText] of replies ?? []) {
      messages.push({
        channel: channelId,
        ts: ts(replyMinutesAgo),
        user: replyUser,
        text: replyText,
        thread_ts: parentTs,
      });
    }
  }

  return {
    team: { ...SLACK_TEAM },
    me: U.dana,
    users: users.map((user) => ({ ...user })),
    channels,
    messages,
  };
}
