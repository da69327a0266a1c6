import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConnectorToolSpec } from "../../../src/connectors/connector-tool.js";
import { markdownToBlocks } from "../../../src/connectors/notion/markdown.js";
import { extractNotionId, interpretNotionBody } from "../../../src/connectors/notion/notion-api.js";
import { notionConnector } from "../../../src/connectors/notion/notion-connector.js";
import { ProviderClient } from "../../../src/connectors/provider-client.js";
import { CONNECTORS } from "../../../src/connectors/registry.js";
import { isDelegateError } from "../../../src/errors.js";
import {
  createNotionEmulator,
  type NotionEmulator,
} from "../../../src/sandbox/providers/notion/notion-emulator.js";
import { NOTION_IDS } from "../../../src/sandbox/providers/notion/notion-seed.js";
import { type ProviderServer, startProviderServer } from "../../../src/sandbox/providers/provider-server.js";
import type { TokenGrant, TokenVerifier } from "../../../src/sandbox/token-grants.js";

const ALL_SCOPES = CONNECTORS.notion.scopes;
const FIXED_NOW = new Date("2025-03-12T18:00:00Z");
const TIME_ZONE = "Europe/Berlin";

class GrantTable implements TokenVerifier {
  readonly #grants = new Map<string, TokenGrant>();
  add(
    token: string,
    identifier: string,
    scopes: readonly string[] = ALL_SCOPES,
    connection = "notion",
  ): string {
    this.#grants.set(token, { identifier, connection, scopes, expiresAt: new Date(Date.now() + 3_600_000) });
    return token;
  }
  verify(token: string): TokenGrant | undefined {
    return this.#grants.get(token);
  }
}

const tokens = new GrantTable();
const DANA = tokens.add("secret_notion_dana_token", "user-dana");
const BOB = tokens.add("secret_notion_bob_token", "user-bob");
const READ_ONLY = tokens.add("secret_notion_readonly", "user-readonly", ["read_content"]);
const ERIN = tokens.add("secret_notion_erin_token", "user-erin");
const SLACK_TOKEN = tokens.add("xoxp-slack-token", "user-dana", ALL_SCOPES, "slack");

let server: ProviderServer;
let emulator: NotionEmulator;

beforeAll(async () => {
  emulator = createNotionEmulator({ now: () => FIXED_NOW });
  server = await startProviderServer({ tokens, emulators: [emulator] });
});

afterAll(async () => {
  await server?.close();
});

function client(accessToken: string): ProviderClient {
  return new ProviderClient({
    connector: "notion",
    baseUrl: server.url,
    accessToken,
    interpretBody: notionConnector.interpretBody,
    retry: { maxRetries: 2, initialDelayMs: 5, maxDelayMs: 50 },
  });
}

function tool(name: string): ConnectorToolSpec {
  const found = notionConnector.tools.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no tool ${name}`);
  return found;
}

// biome-ignore lint/suspicious/noExplicitAny: results are inspected structurally in assertions
async function call(name: string, input: Record<string, unknown>, token = DANA): Promise<any> {
  const spec = tool(name);
  return spec.run(spec.schema.parse(input), { http: client(token), timeZone: TIME_ZONE, now: FIXED_NOW });
}

async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isDelegateError(error)) throw new Error(`expected a DelegateError, got ${String(error)}`);
  return error;
}

describe("notion connector definition", () => {
  it("declares exactly the five tools with the right side effects", () => {
    expect(notionConnector.id).toBe("notion");
    expect(notionConnector.defaultBaseUrl).toBe("https://api.notion.com");
    expect(notionConnector.tools.map((t) => [t.name, t.effect !== "read"])).toEqual([
      ["notion_search", false],
      ["notion_get_page", false],
      ["notion_create_page", true],
      ["notion_append_to_page", true],
      ["notion_query_database", false],
    ]);
  });

  it("has no field that lets the model choose whose account is used", () => {
    for (const spec of notionConnector.tools) {
      for (const key of Object.keys(spec.schema.shape)) {
        expect(key).not.toMatch(/user|identifier|email|account|token/i);
      }
    }
  });

  it("validates inputs", () => {
    expect(() => tool("notion_search").schema.parse({ page_size: 51 })).toThrow();
    expect(() => tool("notion_search").schema.parse({ filter: "block" })).toThrow();
    expect(() => tool("notion_append_to_page").schema.parse({ page_id: "x", content: "   " })).toThrow();
    expect(() => tool("notion_create_page").schema.parse({ parent_page_id: "x", title: "" })).toThrow();
  });

  it("extracts ids from dashed ids, bare ids and URLs, but not from titles", () => {
    const id = "1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d";
    expect(extractNotionId(id)).toBe(id);
    expect(extractNotionId(id.replace(/-/g, ""))).toBe(id);
    expect(
      extractNotionId(`https://www.notion.so/larkspur/Team-Handbook-${id.replace(/-/g, "")}?pvs=4`),
    ).toBe(id);
    expect(extractNotionId("Meeting Notes")).toBeUndefined();
  });

  it("reads the missing capability out of a restricted_resource answer", () => {
    expect(
      interpretNotionBody(403, {
        object: "error",
        code: "restricted_resource",
        message: "lacks insert_content",
      }),
    ).toEqual({ status: 403, message: "lacks insert_content", scope: "insert_content" });
    expect(interpretNotionBody(404, { code: "object_not_found" })).toBeUndefined();
  });

  it("turns Markdown-like text into Notion blocks", () => {
    const blocks = markdownToBlocks(
      "# Title\n## Sub\nPlain **bold** and [link](https://example.com)\n- bullet\n1. first\n[ ] open\n- [x] done\n> quoted\n> more\n---\n```ts\nconst a = 1;\n```",
    );
    expect(blocks.map((b) => b.type)).toEqual([
      "heading_1",
      "heading_2",
      "paragraph",
      "bulleted_list_item",
      "numbered_list_item",
      "to_do",
      "to_do",
      "quote",
      "divider",
      "code",
    ]);
    expect(blocks[2]).toMatchObject({
      paragraph: {
        rich_text: [
          { text: { content: "Plain " } },
          { text: { content: "bold" }, annotations: { bold: true } },
          { text: { content: " and " } },
          { text: { content: "link", link: { url: "https://example.com" } } },
        ],
      },
    });
    expect(blocks[5]).toMatchObject({ to_do: { checked: false } });
    expect(blocks[6]).toMatchObject({ to_do: { checked: true } });
    expect(blocks[7]).toMatchObject({ quote: { rich_text: [{ text: { content: "quoted\nmore" } }] } });
    expect(blocks[9]).toMatchObject({
      code: { language: "typescript", rich_text: [{ text: { content: "const a = 1;" } }] },
    });
  });
});

describe("notion tools against the emulator", () => {
  it("searches by title and lists recent items without a query", async () => {
    const roadmap = await call("notion_search", { query: "roadmap" });
    expect(roadmap.results[0]).toMatchObject({ id: NOTION_IDS.roadmap, type: "page", title: "Q3 Roadmap" });
    expect(roadmap.results[0].url).toMatch(/^https:\/\/www\.notion\.so\/Q3-Roadmap-[0-9a-f]{32}$/);
    expect(roadmap.results[0].last_edited).toMatch(/^2025-03-1\dT\d\d:\d\d:00\+01:00$/);
    expect(roadmap.results.map((r: { title: string }) => r.title)).toContainEqual(
      expect.stringMatching(/^Q3 Roadmap Review/),
    );

    const databases = await call("notion_search", { filter: "database" });
    expect(databases.results).toEqual([
      expect.objectContaining({ id: NOTION_IDS.projects, type: "database", title: "Projects" }),
    ]);

    const recent = await call("notion_search", { page_size: 3 });
    expect(recent.results).toHaveLength(3);
    expect(recent.has_more).toBe(true);
    const edited = recent.results.map((r: { last_edited: string }) => Date.parse(r.last_edited));
    expect(edited).toEqual([...edited].sort((a, b) => b - a));

    expect((await call("notion_search", { query: "nonexistent zebra" })).results).toEqual([]);
  });

  it("reads a page with headings, lists, quotes, code and nested bullets", async () => {
    const page = await call("notion_get_page", { page_id: NOTION_IDS.handbook });
    expect(page).toMatchObject({ id: NOTION_IDS.handbook, title: "Team Handbook" });
    expect(page.properties).toBeUndefined();
    expect(page.truncated).toBeUndefined();
    const lines = page.content.split("\n");
    expect(lines[0]).toBe("# Welcome to Larkspur Labs");
    expect(lines).toContain("## How we work");
    expect(lines).toContain("- Every project has one owner (DRI), listed in the Projects database.");
    expect(lines).toContain("  - The owner keeps Status and Due up to date every Friday.");
    expect(lines).toContain("> Be kind, be clear, be curious.");
    expect(lines).toContain("---");
    expect(lines).toContain("1. Acknowledge pages within 15 minutes.");
    expect(lines).toContain("3. Write a postmortem within 3 business days for Sev1 and Sev2 incidents.");
    expect(page.content).toContain("```shell\nmake dev");
  });

  it("reads a page by title, lists its child pages, and reads to-dos", async () => {
    const notes = await call("notion_get_page", { page_id: "meeting notes" });
    expect(notes.id).toBe(NOTION_IDS.meetingNotes);
    expect(notes.content).toMatch(/📄 Weekly Sync — 2025-03-04 \(page id: [0-9a-f-]{36}\)/);

    const checklist = await call("notion_get_page", { page_id: "Launch Checklist" });
    expect(checklist.content).toContain("[x] Feature freeze");
    expect(checklist.content).toContain("[ ] Ship rc4 with the CSV export fix");
    expect(checklist.content).toContain("Target launch: 2025-03-17.");
  });

  it("reads a database row with simplified properties", async () => {
    const rows = await call("notion_query_database", {
      database_id: "Projects",
      filter_property: "Name",
      equals: "sso",
    });
    const page = await call("notion_get_page", { page_id: rows.results[0].url });
    expect(page).toMatchObject({
      title: "SSO hardening",
      properties: { Status: "In progress", Owner: "Priya Natarajan", Due: "2025-04-01" },
      content: "SAML fixes and SCIM provisioning.",
    });
  });

  it("creates a page with content under a parent found by title", async () => {
    const created = await call("notion_create_page", {
      parent_page_id: "Meeting Notes",
      title: "Go/No-Go — 2025-03-17",
      content:
        "## Attendees\nDana, Sam, Priya\n## Decisions\n- Launch is a go\n[ ] Jordan: publish the blog post",
    });
    expect(created).toMatchObject({ title: "Go/No-Go — 2025-03-17" });
    expect(created.url).toMatch(/^https:\/\/www\.notion\.so\/Go-No-Go-2025-03-17-[0-9a-f]{32}$/);

    const read = await call("notion_get_page", { page_id: created.id });
    expect(read.content).toBe(
      "## Attendees\nDana, Sam, Priya\n## Decisions\n- Launch is a go\n[ ] Jordan: publish the blog post",
    );
    const parent = await call("notion_get_page", { page_id: NOTION_IDS.meetingNotes });
    expect(parent.content).toContain(`📄 Go/No-Go — 2025-03-17 (page id: ${created.id})`);
    expect(emulator.inspect("user-dana").pages.find((p) => p.id === created.id)?.parent).toEqual({
      type: "page_id",
      page_id: NOTION_IDS.meetingNotes,
    });
    const found = await call("notion_search", { query: "go/no-go" });
    expect(found.results[0].id).toBe(created.id);
  });

  it("creates a page with more than 100 blocks in several requests", async () => {
    const content = Array.from({ length: 130 }, (_, i) => `- item ${i + 1}`).join("\n");
    const created = await call("notion_create_page", {
      parent_page_id: NOTION_IDS.roadmap,
      title: "Long list",
      content,
    });
    expect(created.content_incomplete).toBeUndefined();
    expect(emulator.inspect("user-dana").children(created.id)).toHaveLength(130);
  });

  it("appends content to a page and reads it back", async () => {
    const result = await call("notion_append_to_page", {
      page_id: "Meeting Notes",
      content: "Decision: launch stays on Tuesday.\n[ ] Dana: send the launch announcement",
    });
    expect(result).toEqual({ page_id: NOTION_IDS.meetingNotes, appended_blocks: 2 });
    const children = emulator.inspect("user-dana").children(NOTION_IDS.meetingNotes);
    expect(children.slice(-2)).toEqual([
      expect.objectContaining({ type: "paragraph", text: "Decision: launch stays on Tuesday." }),
      expect.objectContaining({ type: "to_do", text: "Dana: send the launch announcement", checked: false }),
    ]);
    const page = await call("notion_get_page", { page_id: NOTION_IDS.meetingNotes });
    expect(
      page.content.endsWith("Decision: launch stays on Tuesday.\n[ ] Dana: send the launch announcement"),
    ).toBe(true);
    expect(page.last_edited).toBe("2025-03-12T19:00:00+01:00");
  });

  it("queries a database, with and without a property filter", async () => {
    const all = await call("notion_query_database", { database_id: NOTION_IDS.projects });
    expect(all.database).toBe("Projects");
    expect(all.results).toHaveLength(8);
    expect(all.results[0]).toMatchObject({
      title: expect.any(String),
      properties: {
        Status: expect.any(String),
        Owner: expect.any(String),
        Due: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      },
    });

    const inProgress = await call("notion_query_database", {
      database_id: "projects",
      filter_property: "status",
      equals: "in progress",
    });
    expect(inProgress.results.map((r: { title: string }) => r.title).sort()).toEqual([
      "Atlas 2.0 launch",
      "Help center refresh",
      "Onboarding flow redesign",
      "SSO hardening",
    ]);

    const sams = await call("notion_query_database", {
      database_id: "Projects",
      filter_property: "Owner",
      equals: "Sam",
    });
    expect(sams.results.map((r: { title: string }) => r.title).sort()).toEqual([
      "Offline mode beta",
      "Sync engine v2",
    ]);

    const due = await call("notion_query_database", {
      database_id: "Projects",
      filter_property: "Due",
      equals: "2025-03-17",
    });
    expect(due.results.map((r: { title: string }) => r.title)).toEqual(["Atlas 2.0 launch"]);

    const paged = await call("notion_query_database", { database_id: "Projects", page_size: 3 });
    expect(paged.results).toHaveLength(3);
    expect(paged.has_more).toBe(true);
  });

  it("explains unknown properties, options and half-given filters", async () => {
    const noProperty = await failure(
      call("notion_query_database", { database_id: "Projects", filter_property: "Stage", equals: "x" }),
    );
    expect(noProperty.code).toBe("TOOL_FAILED");
    expect(noProperty.message).toContain("Name, Status, Owner, Due");
    const noOption = await failure(
      call("notion_query_database", {
        database_id: "Projects",
        filter_property: "Status",
        equals: "Blocked",
      }),
    );
    expect(noOption.message).toContain("Not started, In progress, Done");
    const half = await failure(call("notion_query_database", { database_id: "Projects", equals: "Done" }));
    expect(half.code).toBe("TOOL_FAILED");
  });

  it("keeps each user's workspace separate", async () => {
    await call("notion_append_to_page", { page_id: NOTION_IDS.roadmap, content: "Dana-only note" }, DANA);
    const bob = await call("notion_get_page", { page_id: NOTION_IDS.roadmap }, BOB);
    expect(bob.content).not.toContain("Dana-only note");
    const dana = await call("notion_get_page", { page_id: NOTION_IDS.roadmap }, DANA);
    expect(dana.content).toContain("Dana-only note");
    expect(emulator.inspect("user-bob").pages.some((p) => p.title === "Go/No-Go — 2025-03-17")).toBe(false);
  });
});

describe("notion failures", () => {
  it("turns an unknown token into PROVIDER_TOKEN_REJECTED without leaking it", async () => {
    const error = await failure(call("notion_search", { query: "roadmap" }, "secret_unknown_token"));
    expect(error.code).toBe("PROVIDER_TOKEN_REJECTED");
    expect(error.message).toContain("API token is invalid");
    expect(JSON.stringify(error.toJSON())).not.toContain("secret_unknown_token");
  });

  it("rejects a token issued for another connection", async () => {
    const error = await failure(call("notion_search", {}, SLACK_TOKEN));
    expect(error.code).toBe("PROVIDER_TOKEN_REJECTED");
  });

  it("names the missing capability", async () => {
    const error = await failure(
      call("notion_append_to_page", { page_id: NOTION_IDS.roadmap, content: "nope" }, READ_ONLY),
    );
    expect(error.code).toBe("PROVIDER_ERROR");
    expect(error.message).toContain('"insert_content"');
    expect(error.details.scope).toBe("insert_content");
    expect((await call("notion_get_page", { page_id: NOTION_IDS.roadmap }, READ_ONLY)).title).toBe(
      "Q3 Roadmap",
    );
  });

  it("writes by title only to the one page with exactly that title", async () => {
    // "Notes" is part of "Meeting Notes": a read may find it, a write must not land there.
    const partial = await failure(call("notion_append_to_page", { page_id: "Notes", content: "x" }, ERIN));
    expect(partial.details.status).toBe(404);
    const partialParent = await failure(
      call("notion_create_page", { parent_page_id: "meeting", title: "x" }, ERIN),
    );
    expect(partialParent.details.status).toBe(404);
    expect((await call("notion_get_page", { page_id: "meeting" }, ERIN)).id).toBe(NOTION_IDS.meetingNotes);
    // Case and spacing aside, the whole title is enough.
    const appended = await call(
      "notion_append_to_page",
      { page_id: "  meeting   NOTES ", content: "ok" },
      ERIN,
    );
    expect(appended.page_id).toBe(NOTION_IDS.meetingNotes);
    // A second page titled like the real one (an outsider's shared page): a write by that title is refused.
    await call("notion_create_page", { parent_page_id: NOTION_IDS.roadmap, title: "Team Handbook" }, ERIN);
    const before = emulator.inspect("user-erin").children(NOTION_IDS.handbook).length;
    const ambiguous = await failure(
      call("notion_append_to_page", { page_id: "Team Handbook", content: "the contract" }, ERIN),
    );
    expect(ambiguous.code).toBe("TOOL_FAILED");
    expect(ambiguous.message).toContain(NOTION_IDS.handbook);
    expect(emulator.inspect("user-erin").children(NOTION_IDS.handbook)).toHaveLength(before);
  });

  it("reports unknown ids and unknown titles as not found", async () => {
    const byId = await failure(call("notion_get_page", { page_id: "00000000-0000-4000-8000-000000000000" }));
    expect(byId.code).toBe("PROVIDER_ERROR");
    expect(byId.details.status).toBe(404);
    expect(byId.message).toContain("Could not find page");

    const byTitle = await failure(call("notion_append_to_page", { page_id: "No Such Page", content: "x" }));
    expect(byTitle.details.status).toBe(404);
    expect(byTitle.message).toContain("notion_search");

    const database = await failure(call("notion_query_database", { database_id: NOTION_IDS.roadmap }));
    expect(database.details.status).toBe(404);
  });

  it("reports a database id passed as a page as a validation error", async () => {
    const error = await failure(call("notion_get_page", { page_id: NOTION_IDS.projects }));
    expect(error.details.status).toBe(400);
    expect(error.message).toContain("is a database, not a page");
  });

  it("retries a 429 with Retry-After, then succeeds", async () => {
    const before = server.requests.length;
    server.failNext("/v1/search", 1, {
      status: 429,
      headers: { "retry-after": "0" },
      body: { object: "error", status: 429, code: "rate_limited", message: "You have been rate limited." },
    });
    const result = await call("notion_search", { query: "handbook" });
    expect(result.results[0].title).toBe("Team Handbook");
    expect(server.requests.slice(before).map((r) => r.status)).toEqual([429, 200]);
  });

  it("gives up after repeated 5xx answers", async () => {
    server.failNext("/v1/databases/", 3, {
      status: 502,
      body: { object: "error", status: 502, code: "internal_server_error", message: "Bad gateway." },
    });
    const error = await failure(call("notion_query_database", { database_id: NOTION_IDS.projects }));
    expect(error.code).toBe("PROVIDER_ERROR");
    expect(error.details.status).toBe(502);
  });

  it("never puts the token in a result", async () => {
    const results = await Promise.all([
      call("notion_search", {}),
      call("notion_get_page", { page_id: NOTION_IDS.launchChecklist }),
      call("notion_query_database", { database_id: "Projects" }),
      call("notion_create_page", {
        parent_page_id: NOTION_IDS.handbook,
        title: "Token check",
        content: "hi",
      }),
      call("notion_append_to_page", { page_id: NOTION_IDS.handbook, content: "hi again" }),
    ]);
    for (const result of results) expect(JSON.stringify(result)).not.toContain(DANA);
  });
});
