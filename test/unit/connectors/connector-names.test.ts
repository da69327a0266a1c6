import { describe, expect, it } from "vitest";
import { connectorNamed } from "../../../src/index.js";

describe("connectorNamed", () => {
  it("takes the id, the display name or the connection name, in any case and spacing", () => {
    expect(connectorNamed("gmail")).toBe("gmail");
    expect(connectorNamed("Gmail")).toBe("gmail");
    expect(connectorNamed("google calendar")).toBe("google-calendar");
    expect(connectorNamed("Google Calendar")).toBe("google-calendar");
    expect(connectorNamed("googlecalendar")).toBe("google-calendar");
    expect(connectorNamed("google_calendar")).toBe("google-calendar");
    expect(connectorNamed("OUTLOOK")).toBe("outlook");
  });

  it("knows nothing else", () => {
    expect(connectorNamed("")).toBeUndefined();
    expect(connectorNamed("   ")).toBeUndefined();
    expect(connectorNamed("calendar")).toBeUndefined();
    expect(connectorNamed("gmail2")).toBeUndefined();
  });
});
