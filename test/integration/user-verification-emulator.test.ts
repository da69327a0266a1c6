/**
 * The sandbox's Scalekit emulator and user verification, through the real ScalekitClient (the
 * Scalekit adapter): the consent page lets its form lead to the verify URL (browsers apply
 * form-action to the redirect a form post follows), and a verify URL that is not http(s) is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScalekitAgentAuth } from "../../src/auth/scalekit/scalekit-agent-auth.js";
import { isDelegateError } from "../../src/errors.js";
import { type Sandbox, startSandbox } from "../../src/sandbox/start-sandbox.js";
import { consentRedirect } from "../helpers/user-verification.js";

let sandbox: Sandbox;
let auth: ScalekitAgentAuth;
beforeAll(async () => {
  sandbox = await startSandbox({ timeZone: "UTC" });
  auth = new ScalekitAgentAuth(sandbox.settings);
});
afterAll(async () => {
  await sandbox?.close();
});

describe("the emulator's user verification", () => {
  it("the consent page's CSP lets the form lead to the verify origin, and Allow redirects there with the state", async () => {
    const link = await auth.getAuthorizationLink({ userId: "vic" }, "gmail", {
      userVerifyUrl: "http://127.0.0.1:4567/verify?x=1",
      state: "opaque-state",
    });
    const page = await fetch(link.url);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain(
      "form-action 'self' http://127.0.0.1:4567;",
    );
    await page.text();
    const redirect = await consentRedirect(link.url);
    expect(redirect.location.origin).toBe("http://127.0.0.1:4567");
    expect(redirect.location.searchParams.get("x")).toBe("1");
    expect(redirect.state).toBe("opaque-state");
    expect(sandbox.controls.status({ userId: "vic" }, "gmail")).toBe("PENDING_VERIFICATION");
    // Verified for the right identifier: ACTIVE, with Scalekit's post-verify redirect.
    const verified = await auth.verifyUser(redirect.authRequestId, { userId: "vic" });
    expect(verified.redirectUrl).toContain("/connected");
    expect(sandbox.controls.status({ userId: "vic" }, "gmail")).toBe("ACTIVE");
    // Spent: Scalekit's auth requests are single use.
    await expect(auth.verifyUser(redirect.authRequestId, { userId: "vic" })).rejects.toSatisfy(
      (error: unknown) =>
        isDelegateError(error, "VERIFICATION_REFUSED") && error.details.reason === "not_found",
    );
  });

  it("a plain link keeps the page's own form-action; a verify URL that is not http(s) is refused", async () => {
    const plain = await auth.getAuthorizationLink({ userId: "wes" }, "slack");
    const page = await fetch(plain.url);
    expect(page.headers.get("content-security-policy")).toContain("form-action 'self';");
    await page.text();
    await expect(
      auth.getAuthorizationLink({ userId: "wes" }, "slack", {
        userVerifyUrl: "javascript:alert(1)",
        state: "s",
      }),
    ).rejects.toSatisfy(
      // Scalekit's own words stay in the log; the error names the gRPC status.
      (error: unknown) =>
        isDelegateError(error, "SCALEKIT_ERROR") && error.message.includes("InvalidArgument"),
    );
    await expect(auth.verifyUser("  ", { userId: "wes" })).rejects.toSatisfy((error: unknown) =>
      isDelegateError(error, "VERIFICATION_REFUSED"),
    );
  });
});
