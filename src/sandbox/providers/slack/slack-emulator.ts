import { addHostileSlack } from "../hostile-seeds.js";
import { perUser } from "../per-user.js";
import type { ProviderEmulator, ProviderHttpRequest, ProviderHttpResponse } from "../provider-emulator.js";
import { chatMethods } from "./chat.js";
import { conversationMethods } from "./conversations.js";
import { searchMethods } from "./search.js";
import {
  createSlackSeed,
  type SlackSeedChannel,
  type SlackSeedMessage,
  type SlackSeedUser,
} from "./slack-seed.js";
import { userMethods } from "./users.js";
import { fail, readParams, type SlackClock, type SlackMethod } from "./web-api.js";

/**
 * A stand-in for the Slack Web API methods Delegate's Slack tools call. Like Slack, it answers
 * HTTP 200 with `{ok:false,error}` for failures, reads arguments from the query string, a JSON
 * body or a form body, and keeps one seeded workspace per end user.
 */
export interface SlackEmulator extends ProviderEmulator {
  /** A read-only snapshot of one user's workspace, for tests. */
  inspect(identifier: string): SlackInspection;
}

export interface SlackInspection {
  me: string;
  users: readonly SlackSeedUser[];
  channels: readonly SlackSeedChannel[];
  /** Messages of a channel (id or name), oldest first, thread replies included. */
  messages(channel: string): readonly SlackSeedMessage[];
}

export interface SlackEmulatorOptions {
  now?: () => Date;
  /** Also seed the hostile corpus (prompt-injection tests; see hostile-seeds.ts). */
  injections?: boolean;
}

export function createSlackEmulator(options: SlackEmulatorOptions = {}): SlackEmulator {
  const now = options.now ?? (() => new Date());
  const workspaceFor = perUser(() => {
    const workspace = createSlackSeed(now());
    if (options.injections) addHostileSlack(workspace, now());
    return workspace;
  });
  let lastTs = 0;

  const clock: SlackClock = {
    now,
    // Slack timestamps are unique per channel; a monotonically increasing clock keeps them so
    // even when two posts land in the same microsecond.
    nextTs() {
      const micros = Math.max(now().getTime() * 1000, lastTs + 1);
      lastTs = micros;
      return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, "0")}`;
    },
  };

  const methods: Record<string, SlackMethod> = {
    ...conversationMethods(),
    ...chatMethods(clock),
    ...searchMethods(clock),
    ...userMethods(clock),
  };

  const methodOf = (path: string) => path.replace(/^\/api\//, "");

  return {
    connector: "slack",
    pathPrefixes: ["/api/"],
    unauthorized: () => fail("invalid_auth"),
    insufficientScope: (scope) => fail("missing_scope", { needed: scope, provided: "" }),
    requiredScope: (request) => methods[methodOf(request.path)]?.scope,
    handle(request: ProviderHttpRequest): ProviderHttpResponse {
      const method = methods[methodOf(request.path)];
      if (!method) return { status: 404, body: { ok: false, error: "unknown_method" } };
      if (request.method !== "GET" && request.method !== "POST") {
        return { status: 405, body: { ok: false, error: "method_not_supported" } };
      }
      return method.run(workspaceFor(request.grant.identifier), readParams(request));
    },
    inspect(identifier) {
      const ws = workspaceFor(identifier);
      return {
        me: ws.me,
        users: structuredClone(ws.users),
        channels: structuredClone(ws.channels),
        messages(reference: string) {
          const name = reference.replace(/^#/, "");
          const channel = ws.channels.find((c) => c.id === reference || c.name === name);
          return structuredClone(ws.messages.filter((m) => m.channel === channel?.id));
        },
      };
    },
  };
}
