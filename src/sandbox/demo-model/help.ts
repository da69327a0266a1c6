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

/** A taste of what works, for a greeting or a request the demo model did not understand. */
const SAMPLES = [DEMO_EXAMPLES.gmail[0], DEMO_EXAMPLES["google-calendar"][0], DEMO_EXAMPLES.combined[0]];

/** Said on every surface (chat, server, scripts), so it names no command of any one of them. */
const ASK_FOR_MORE = 'Ask "what can you do" to see everything I understand.';

export const CONFIGURE_REAL_MODEL =
  "To use a real model, set OPENAI_API_KEY (and optionally OPENAI_MODEL), or set OPENAI_BASE_URL to any OpenAI-compatible server (a local Ollama or vLLM, for example) together with OPENAI_MODEL.";

const bullets = (examples: readonly (string | undefined)[]) =>
  examples.flatMap((example) => (example ? [`- ${example}`] : [])).join("\n");

/**
 * What the demo model says when greeted or not understood (a few examples, kept short because it
 * may be said often), or when asked for help (every documented request).
 */
export function helpText(kind: "unmatched" | "greeting" | "help"): string {
  if (kind === "help") {
    const sections = SECTIONS.map(([title, examples]) => `${title}:\n${bullets(examples)}`);
    return [
      "I'm Delegate's offline demo model: no language model is configured, so I understand these requests:",
      ...sections,
      CONFIGURE_REAL_MODEL,
    ].join("\n\n");
  }
  const opening =
    kind === "greeting"
      ? "Hi! I'm Delegate (offline demo model): no language model is configured, so I understand a fixed set of requests, for example:"
      : "Sorry, I didn't understand that (offline demo model). No language model is configured, so I understand a fixed set of requests, for example:";
  const closing = kind === "unmatched" ? `${ASK_FOR_MORE} ${CONFIGURE_REAL_MODEL}` : ASK_FOR_MORE;
  return `${opening}\n${bullets(SAMPLES)}\n${closing}`;
}

export function isGreeting(request: string): boolean {
  return /^(?:hi|hello|hey|hiya|yo|good\s+(?:morning|afternoon|evening)|who\s+are\s+you)$/i.test(
    request.trim(),
  );
}

/** "help", "what can you do", "examples": the full list of documented requests. */
export function isHelpRequest(request: string): boolean {
  return /^(?:help|what\s+(?:can|do)\s+you\s+(?:do|understand)|what\s+can\s+i\s+(?:ask|say)|(?:show\s+(?:me\s+)?)?(?:the\s+)?examples)$/i.test(
    request.trim(),
  );
}
