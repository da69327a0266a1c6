/**
 * Opt-in checks against a real Scalekit environment. They run when SCALEKIT_ENV_URL,
 * SCALEKIT_CLIENT_ID and SCALEKIT_CLIENT_SECRET are set, and are skipped (saying so) otherwise.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ScalekitAgentAuth } from "../../src/auth/scalekit/scalekit-agent-auth.js";
import { loadConfig } from "../../src/config/env-config.js";

const config = loadConfig(process.env);
const scalekit = config.scalekit;
if (!scalekit)
  console.log(
    "live Scalekit tests skipped: set SCALEKIT_ENV_URL, SCALEKIT_CLIENT_ID and SCALEKIT_CLIENT_SECRET to run them",
  );

describe.skipIf(!scalekit)("live: Scalekit Agent Auth", () => {
  const auth = new ScalekitAgentAuth(
    scalekit ?? { environmentUrl: "http://unused", clientId: "-", clientSecret: "-" },
  );
  const user = { userId: `delegate-live-${randomUUID()}` };

  it("walks get-or-create → PENDING_AUTH → link, then cleans up", async () => {
    const before = await auth.getStatuses(user, ["gmail"]);
    expect(before.get("gmail")?.status).toBe("NOT_FOUND");
    const created = await auth.ensureAccount(user, "gmail");
    expect(["PENDING_AUTH", "ACTIVE"]).toContain(created.status);
    const link = await auth.getAuthorizationLink(user, "gmail");
    expect(link.url).toMatch(/^https:\/\//);
    expect(link.expiresAt.getTime()).toBeGreaterThan(Date.now());
    await auth.disconnect(user, "gmail");
  });
});
