import { describe, expect, it } from "vitest";
import { gmailSeed } from "../../../src/sandbox/providers/gmail/gmail-seed.js";

describe("the seeded mailbox", () => {
  it("writes the invitation's zone as Google would for that day: PST in winter, PDT in summer", () => {
    const subject = (now: string) =>
      gmailSeed(new Date(now)).find((mail) => mail.key === "roadmap-invite")?.subject ?? "";
    expect(subject("2026-12-01T12:00:00Z")).toContain("2pm - 3pm (PST)");
    expect(subject("2026-07-01T12:00:00Z")).toContain("2pm - 3pm (PDT)");
  });
});
