import { stripControlsKeepColour } from "../chat/render.js";
import type {
  ApprovalNeeded,
  AuthorizationNeeded,
  LocatedCheck,
  Reporter,
  RunSummary,
  ScriptResult,
  ScriptStart,
} from "./reporter.js";
import type { RecordedEvent } from "./run-record.js";
import { type Colors, describeCall } from "./run-style.js";
import type { SourceLocation } from "./script-loader.js";
import { decisionOf, isAuthTurn, isUserTurn, type Turn } from "./script-schema.js";

type Write = (text: string) => void;

const INDENT = "    ";

/** A readable transcript of each script, then its expectations: met, or failed with a diff. */
export class PrettyReporter implements Reporter {
  readonly #write: Write;
  readonly #colors: Colors;

  constructor(write: Write, colors: Colors) {
    this.#write = write;
    this.#colors = colors;
  }

  scriptStart(start: ScriptStart): void {
    const colors = this.#colors;
    const title = start.name ? `${start.file} — ${start.name}` : start.file;
    this.#line(colors.bold(`━━ ${title}`));
    const who = start.organization ? `${start.user} (${start.organization})` : start.user;
    this.#line(
      colors.dim(
        `   user ${who} · ${start.mode} · ${start.model} · connected: ${start.connected.length > 0 ? start.connected.join(", ") : "none"}`,
      ),
    );
  }

  turnStart(_file: string, index: number, turn: Turn, location: SourceLocation): void {
    const colors = this.#colors;
    const number = colors.dim(`[${index + 1}]`);
    const where = colors.dim(`(line ${location.line})`);
    if (isUserTurn(turn)) {
      this.#line("");
      this.#line(
        `${number} ${colors.bold(colors.cyan("you ›"))} ${indentRest(turn.user, "      ")} ${where}`,
      );
    } else if (isAuthTurn(turn)) {
      const target = turn.connectors ? ` ${turn.connectors.join(", ")}` : "";
      this.#line(`${number} ${colors.magenta(`auth › ${turn.auth}${target}`)} ${where}`);
    } else {
      const decision = decisionOf(turn);
      const tools = decision.tools === "all" ? "all" : decision.tools.join(", ");
      const reason = decision.reason ? ` (${JSON.stringify(decision.reason)})` : "";
      this.#line(`${number} ${colors.magenta(`${decision.type} › ${tools}${reason}`)} ${where}`);
    }
  }

  event(_file: string, { event }: RecordedEvent): void {
    const colors = this.#colors;
    switch (event.type) {
      case "message":
        this.#line(
          `${INDENT}${colors.green("delegate ›")} ${indentRest(event.text, `${INDENT}           `)}`,
        );
        return;
      case "tool-call":
        this.#line(`${INDENT}${colors.dim("→")} ${describeCall(event.toolName, event.args)}`);
        return;
      case "tool-result":
        this.#line(
          `${INDENT}${event.status === "success" ? colors.green("✓") : colors.red("✗")} ${event.toolName}: ${event.summary}`,
        );
        return;
      case "authorization-required": {
        for (const approval of event.approvals) {
          const why = approval.reason === "target_not_named_by_user" ? " — a target you did not name" : "";
          this.#line(`${INDENT}${colors.yellow("? approval needed")}: ${approval.summary}${why}`);
        }
        if (event.requests.length === 0) return;
        const names = event.requests.map((request) => request.displayName).join(", ");
        this.#line(`${INDENT}${colors.yellow("⚿ authorization needed")} (${event.reason}): ${names}`);
        for (const request of event.requests) {
          // The link stands alone on its line so it can be copied or picked up by a script.
          this.#line(
            `${INDENT}  ${colors.dim(`${request.displayName} (${request.status}, link expires ${request.expiresAt}):`)}`,
          );
          this.#line(`${INDENT}  ${colors.cyan(request.url)}`);
        }
        return;
      }
      case "authorization-completed":
        this.#line(`${INDENT}${colors.green("✓ connected")}: ${event.connections.join(", ")} (${event.via})`);
        return;
      case "authorization-cancelled":
        this.#line(`${INDENT}${colors.yellow("authorization cancelled")}: ${event.connections.join(", ")}`);
        return;
      case "authorization-expired":
        this.#line(`${INDENT}${colors.yellow("authorization timed out")}: ${event.connections.join(", ")}`);
        return;
      case "error":
        this.#line(`${INDENT}${colors.red(`error ${event.code}`)}: ${event.message}`);
        return;
      case "turn-end":
        if (event.status === "failed") this.#line(`${INDENT}${colors.red("turn failed")}`);
        return;
      case "text-delta":
        return;
    }
  }

  note(_file: string, _turn: number, text: string): void {
    this.#line(`${INDENT}${this.#colors.dim(`· ${text}`)}`);
  }

  scriptEnd(result: ScriptResult): void {
    const colors = this.#colors;
    const failed = result.checks.filter((check) => !check.met);
    this.#line("");
    this.#line(colors.bold(`Expectations — ${result.file}`));
    if (result.checks.length === 0) this.#line(colors.dim("  (none)"));
    for (const check of result.checks) this.#check(check);
    const met = result.checks.length - failed.length;
    const verdict =
      failed.length === 0
        ? colors.green(`${met} met`)
        : `${met} met, ${colors.red(`${failed.length} failed`)}`;
    this.#line(`  ${verdict}`);
    this.#line("");
  }

  summary(summary: RunSummary): void {
    if (summary.scripts < 2) return;
    const colors = this.#colors;
    const failedScripts = summary.scripts - summary.passed - summary.stopped;
    const stopped = summary.stopped ? `, ${colors.yellow(`${summary.stopped} stopped for input`)}` : "";
    this.#line(
      colors.bold(
        `${summary.scripts} scripts: ${summary.passed} passed${failedScripts ? `, ${colors.red(`${failedScripts} failed`)}` : ""}${stopped} (${summary.met} expectations met, ${summary.failed} failed)`,
      ),
    );
  }

  authorizationNeeded(needed: AuthorizationNeeded): void {
    const names = needed.connections.map((connection) => connection.connector).join(", ");
    this.#line(
      this.#colors.yellow(
        `Authorization needed in turn ${needed.turn} (${names}); stopped by --on-auth fail:`,
      ),
    );
    this.#write(`${JSON.stringify(needed)}\n`);
  }

  approvalNeeded(needed: ApprovalNeeded): void {
    const tools = [...new Set(needed.approvals.map((approval) => approval.tool))].join(", ");
    this.#line(
      this.#colors.yellow(
        `Approval needed in turn ${needed.turn} (${tools}); stopped by --on-approval fail:`,
      ),
    );
    this.#write(`${JSON.stringify(needed)}\n`);
  }

  #check(check: LocatedCheck): void {
    const colors = this.#colors;
    const where = colors.dim(`${check.file}:${check.line}:${check.column}`);
    const mark = check.met ? colors.green("✓") : colors.red("✗");
    this.#line(`  ${mark} turn ${check.turn + 1}: ${check.description}  ${where}`);
    if (check.met) return;
    if (check.expected !== undefined)
      this.#line(`      ${colors.green(`- expected: ${indentRest(check.expected, "                  ")}`)}`);
    if (check.actual !== undefined)
      this.#line(`      ${colors.red(`+ actual:   ${indentRest(check.actual, "                  ")}`)}`);
  }

  #line(text: string): void {
    // Transcript text comes from mail, messages and the model: no control sequences but colour.
    this.#write(`${stripControlsKeepColour(text)}\n`);
  }
}

function indentRest(text: string, indent: string): string {
  return text.replace(/\n/g, `\n${indent}`);
}
