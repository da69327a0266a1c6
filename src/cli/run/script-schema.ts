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

/** What `--on-approval` does with calls waiting for the person's decision that no turn decides. */
export const ON_APPROVAL_POLICIES = ["approve", "reject", "fail"] as const;
export type OnApprovalPolicy = (typeof ON_APPROVAL_POLICIES)[number];

/** The person's decisions a script can make on calls waiting for approval. */
export const DECISION_KINDS = ["approve", "reject"] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];

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

/**
 * `false`: no call waited for the person's approval. Otherwise some request asked to approve
 * exactly `tools` (when given) and named every one of `targets` (recipients, channels…).
 */
const ApprovalExpectation = z.union([
  z.literal(false),
  z.strictObject({
    tools: z.array(ToolName).min(1).optional(),
    targets: z.array(z.string().min(1)).min(1).optional(),
    reason: z.enum(["policy", "target_not_named_by_user"]).optional(),
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
  approval: ApprovalExpectation.optional(),
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

/** Which waiting calls a decision applies to: every one, or those of the listed tools. */
const DecisionTarget = z.union([z.literal("all"), z.array(ToolName).min(1)]);

/** The person approves calls waiting for approval: `approve: all` or `approve: [tool, …]`. */
export const ApproveTurnSchema = z.strictObject({
  approve: DecisionTarget,
  expect: ExpectSchema.optional(),
});

/** The person rejects calls waiting for approval, optionally saying why (the model is told). */
export const RejectTurnSchema = z.strictObject({
  reject: DecisionTarget,
  reason: z.string().trim().min(1, "the reason is empty").max(2_000).optional(),
  expect: ExpectSchema.optional(),
});

export const TurnSchema = z.union([UserTurnSchema, AuthTurnSchema, ApproveTurnSchema, RejectTurnSchema]);

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
      /** Also seed the sandbox's hostile corpus (prompt-injection demos; see hostile-seeds.ts). */
      injections: z.boolean().default(false),
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
export type ApproveTurn = z.infer<typeof ApproveTurnSchema>;
export type RejectTurn = z.infer<typeof RejectTurnSchema>;
export type DecisionTurn = ApproveTurn | RejectTurn;
export type Expectations = z.infer<typeof ExpectSchema>;
export type ToolExpectationInput = z.infer<typeof ToolExpectation>;

export function isUserTurn(turn: Turn): turn is UserTurn {
  return "user" in turn;
}

export function isAuthTurn(turn: Turn): turn is AuthTurn {
  return "auth" in turn;
}

export function isDecisionTurn(turn: Turn): turn is DecisionTurn {
  return "approve" in turn || "reject" in turn;
}

/** A decision turn as one shape: which decision, on which tools (`all` for every waiting call). */
export function decisionOf(turn: DecisionTurn): {
  type: DecisionKind;
  tools: "all" | string[];
  reason?: string;
} {
  if ("approve" in turn) return { type: "approve", tools: turn.approve };
  return { type: "reject", tools: turn.reject, ...(turn.reason ? { reason: turn.reason } : {}) };
}

/** The key that names each kind of turn, in the order of {@link TurnSchema}'s branches. */
export const TURN_KINDS = ["user", "auth", "approve", "reject"] as const;

/** Keys each object of the format allows, for "did you mean" hints. */
export const KNOWN_KEYS = {
  script: Object.keys(ScriptSchema.shape),
  userTurn: Object.keys(UserTurnSchema.shape),
  authTurn: ["auth", "connectors", "expect"],
  approveTurn: Object.keys(ApproveTurnSchema.shape),
  rejectTurn: Object.keys(RejectTurnSchema.shape),
  expect: Object.keys(ExpectSchema.shape),
};
