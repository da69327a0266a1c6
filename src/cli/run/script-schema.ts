import { z } from "zod";
import { CONNECTOR_IDS } from "../../connectors/registry.js";
import { compilePattern } from "./patterns.js";

/**
 * The shape of a scripted conversation (`delegate run`): YAML, or JSON with the same shape.
 * Objects are strict, so a misspelt key is an error rather than a silently ignored line.
 */

export const AUTH_ACTIONS = ["approve", "deny", "cancel", "wait", "expire", "revoke", "recheck"] as const;
export type AuthAction = (typeof AUTH_ACTIONS)[number];

export const ON_AUTH_POLICIES = ["approve", "deny", "wait", "fail"] as const;
export type OnAuthPolicy = (typeof ON_AUTH_POLICIES)[number];

export const MODEL_CHOICES = ["offline", "openai"] as const;
export type ModelChoice = (typeof MODEL_CHOICES)[number];

const Connector = z.enum(CONNECTOR_IDS);

/** A regular expression: `pattern` (case-sensitive) or `/pattern/flags`. */
const Pattern = z.string().superRefine((value, ctx) => {
  const compiled = compilePattern(value);
  if (typeof compiled === "string") ctx.addIssue({ code: "custom", message: compiled });
});

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * An argument expectation: a literal (compared for deep equality), `{ matches: regex }` or
 * `{ contains: text }`. An object whose only key is `matches` or `contains` is a matcher.
 */
const ArgExpectation = z.json().superRefine((value, ctx) => {
  if (!isPlainObject(value) || Object.keys(value).length !== 1) return;
  if ("matches" in value) {
    const pattern = value.matches;
    if (typeof pattern !== "string") {
      ctx.addIssue({
        code: "custom",
        path: ["matches"],
        message: "`matches` needs a regular expression string",
      });
      return;
    }
    const compiled = compilePattern(pattern);
    if (typeof compiled === "string") ctx.addIssue({ code: "custom", path: ["matches"], message: compiled });
  } else if ("contains" in value && typeof value.contains !== "string") {
    ctx.addIssue({ code: "custom", path: ["contains"], message: "`contains` needs a string" });
  }
});

const ToolName = z.string().regex(/^[A-Za-z0-9_.-]+$/, "a tool name such as gmail_search_messages");

const ToolExpectation = z.union([
  ToolName,
  z.strictObject({
    name: ToolName,
    args: z.record(z.string(), ArgExpectation).optional(),
    /** The tool's result: `success` or `error`. */
    result: z.enum(["success", "error"]).optional(),
  }),
]);

const InterruptExpectation = z.union([
  z.literal(false),
  z.strictObject({
    connectors: z.array(Connector).min(1),
    reason: z.enum(["not_connected", "token_rejected"]).optional(),
    /** Every link differs from the one the previous interrupt gave for that connector. */
    new_links: z.boolean().optional(),
  }),
]);

const ReplyExpectation = z
  .strictObject({
    contains: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    not_contains: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    matches: Pattern.optional(),
  })
  .refine(
    (value) =>
      value.contains !== undefined || value.matches !== undefined || value.not_contains !== undefined,
    {
      message: "`reply` needs `contains`, `not_contains` or `matches`",
    },
  );

const ErrorExpectation = z.union([
  z.literal(true),
  z.strictObject({ code: z.string().min(1).optional(), contains: z.string().min(1).optional() }),
]);

export const ExpectSchema = z.strictObject({
  tools: z.array(ToolExpectation).min(1).optional(),
  not_tools: z.array(ToolName).min(1).optional(),
  interrupt: InterruptExpectation.optional(),
  reply: ReplyExpectation.optional(),
  error: ErrorExpectation.optional(),
});

export const UserTurnSchema = z.strictObject({
  user: z.string().trim().min(1, "the message is empty"),
  expect: ExpectSchema.optional(),
});

export const AuthTurnSchema = z
  .strictObject({
    auth: z.enum(AUTH_ACTIONS),
    connectors: z.array(Connector).min(1).optional(),
    expect: ExpectSchema.optional(),
  })
  .superRefine((turn, ctx) => {
    if (turn.auth === "revoke" && !turn.connectors) {
      ctx.addIssue({
        code: "custom",
        path: ["auth"],
        message: "`revoke` needs `connectors`, e.g. connectors: [gmail]",
      });
    }
    if (turn.connectors && (turn.auth === "cancel" || turn.auth === "wait" || turn.auth === "recheck")) {
      ctx.addIssue({
        code: "custom",
        path: ["connectors"],
        message: `\`${turn.auth}\` acts on the whole pending authorization; remove \`connectors\``,
      });
    }
  });

export const TurnSchema = z.union([UserTurnSchema, AuthTurnSchema]);

const TimeZone = z.string().refine(
  (value) => {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: value });
      return true;
    } catch {
      return false;
    }
  },
  { message: "not an IANA time zone; use a name such as Europe/Berlin" },
);

export const ScriptSchema = z.strictObject({
  /** Shown in the transcript; defaults to the file name. */
  name: z.string().min(1).optional(),
  description: z.string().optional(),
  /** The end user the agent acts for (the Scalekit identifier). */
  user: z
    .string()
    .trim()
    .min(1, "the user id is empty")
    .max(256)
    .refine((value) => !value.includes("/"), 'must not contain "/"; put the organization in `organization:`'),
  organization: z
    .string()
    .trim()
    .min(1)
    .max(256)
    .refine((value) => !value.includes("/"), 'must not contain "/"')
    .optional(),
  sandbox: z
    .strictObject({
      /** Connectors whose accounts are ACTIVE before the first turn. */
      connected: z.array(Connector).default([]),
    })
    .optional(),
  model: z.enum(MODEL_CHOICES).default("offline"),
  timezone: TimeZone.optional(),
  /** Seconds a turn waits for consent before Delegate cancels the blocked calls (default 60 on the sandbox, 600 on Scalekit). */
  authorization_timeout: z.number().positive().max(86_400).optional(),
  turns: z.array(TurnSchema).min(1, "a script needs at least one turn"),
});

export type Script = z.infer<typeof ScriptSchema>;
export type Turn = z.infer<typeof TurnSchema>;
export type UserTurn = z.infer<typeof UserTurnSchema>;
export type AuthTurn = z.infer<typeof AuthTurnSchema>;
export type Expectations = z.infer<typeof ExpectSchema>;
export type ToolExpectationInput = z.infer<typeof ToolExpectation>;

export function isUserTurn(turn: Turn): turn is UserTurn {
  return "user" in turn;
}

/** Keys each object of the format allows, for "did you mean" hints. */
export const KNOWN_KEYS = {
  script: Object.keys(ScriptSchema.shape),
  userTurn: Object.keys(UserTurnSchema.shape),
  authTurn: ["auth", "connectors", "expect"],
  expect: Object.keys(ExpectSchema.shape),
};
