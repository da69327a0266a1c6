import { CONNECTOR_NAMES } from "./connector-names.js";
import { DEMO_EXAMPLES } from "./examples.js";

const SECTIONS = [
  ["Gmail", DEMO_EXAMPLES.gmail],
  [CONNECTOR_NAMES["google-calendar"], DEMO_EXAMPLES["google-calendar"]],
  ["Slack", DEMO_EXAMPLES.slack],
  ["Notion", DEMO_EXAMPLES.notion],
  ["Outlook", DEMO_EXAMPLES.outlook],
  ["Several at once", DEMO_EXAMPLES.combined],
] as const;

const PER_SECTION = 3;

export const CONFIGURE_REAL_MODEL =
  "To use a real model, set OPENAI_API_KEY (and optionally OPENAI_MODEL), or set OPENAI_BASE_URL to any OpenAI-compatible server (a local Ollama or vLLM, for example) together with OPENAI_MODEL.";

/** What the demo model says when it does not understand a request, or is greeted. */
export function helpText(kind: "unmatched" | "greeting"): string {
  const opening =
    kind === "greeting"
      ? "Hi! I'm Delegate (offline demo model): no language model is configured, so I understand a fixed set of requests."
      : "Sorry, I didn't understand that (offline demo model). No language model is configured, so Delegate is running its offline demo model, which understands a fixed set of requests.";
  const sections = SECTIONS.map(
    ([title, examples]) =>
      `${title}:\n${examples
        .slice(0, PER_SECTION)
        .map((example) => `- ${example}`)
        .join("\n")}`,
  );
  return [opening, "Try one of these:", ...sections, CONFIGURE_REAL_MODEL].join("\n\n");
}

export function isGreeting(request: string): boolean {
  return /^(?:hi|hello|hey|hiya|yo|good\s+(?:morning|afternoon|evening)|help|what\s+can\s+you\s+do|who\s+are\s+you|\?)$/i.test(
    request.trim(),
  );
}
