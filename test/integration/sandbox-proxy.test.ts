import { ScalekitClient } from "@scalekit-sdk/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../../src/sandbox/start-sandbox.js";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => sandbox.close());

describe("the emulator's /proxy (the SDK's actions.request)", () => {
  it("calls the provider with the user's token, which the caller never sees", async () => {
    const client = new ScalekitClient(
      sandbox.settings.environmentUrl,
      sandbox.settings.clientId,
      sandbox.settings.clientSecret,
    );
    // As with Scalekit, the proxy needs the M2M token a gRPC call fetches first.
    const early = await client.actions
      .request({ connectionName: "gmail", identifier: "proxy-user", path: "/gmail/v1/users/me/profile" })
      .catch((error: unknown) => error);
    expect((early as { httpStatus?: number }).httpStatus ?? (early as { status?: number }).status).toBe(401);

    await client.connectedAccounts.listConnectedAccounts({ identifier: "proxy-user" });
    await sandbox.scalekit.approve("proxy-user", "gmail");
    const response = await client.actions.request({
      connectionName: "gmail",
      identifier: "proxy-user",
      path: "/gmail/v1/users/me/messages",
      queryParams: { q: "invoice" },
    });
    expect(response.status).toBe(200);
    expect((response.data as { messages?: unknown[] }).messages).toHaveLength(3);
    expect(JSON.stringify(response.data)).not.toContain("sbx_at_");

    sandbox.scalekit.revokeAccount("proxy-user", "gmail");
    const revoked = await client.actions
      .request({ connectionName: "gmail", identifier: "proxy-user", path: "/gmail/v1/users/me/messages" })
      .catch((error: unknown) => error);
    expect((revoked as { httpStatus?: number }).httpStatus ?? (revoked as { status?: number }).status).toBe(
      401,
    );
  });
});
