/** users.list and users.info. */
import { userObject } from "./objects.js";
import { fail, ok, paginate, type SlackClock, type SlackMethod } from "./web-api.js";

export function userMethods(clock: SlackClock): Record<string, SlackMethod> {
  return {
    "users.list": {
      scope: "users:read",
      run(ws, params) {
        const page = paginate(ws.users, params, 200);
        if ("error" in page) return fail(page.error);
        return ok({
          members: page.items.map((u) => userObject(ws, u)),
          cache_ts: Math.floor(clock.now().getTime() / 1000),
          response_metadata: { next_cursor: page.next },
        });
      },
    },
    "users.info": {
      scope: "users:read",
      run(ws, params) {
        const user = ws.users.find((u) => u.id === params.get("user"));
        if (!user) return fail("user_not_found");
        return ok({ user: userObject(ws, user) });
      },
    },
  };
}
