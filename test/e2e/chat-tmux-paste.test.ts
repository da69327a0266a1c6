/**
 * The prompt line's echo in `delegate chat` at a real terminal (tmux): when a line and its Enter
 * arrive together, as with a paste or `tmux send-keys 'text' Enter`, the echo shows the whole line
 * sent; and answers to an approval are prompted (and echoed) as such, not as `you ›`.
 */
import { describe, expect, it } from "vitest";
import { cliCommandLine, tempDataDir } from "../helpers/cli-process.js";
import { startFakeOpenAI } from "../helpers/fake-openai-server.js";
import { paneEnv, TMUX_PATH, TmuxPane } from "../helpers/tmux.js";

if (!TMUX_PATH) console.log("chat-tmux-paste: skipped, the tmux package is not installed");

describe.concurrent("delegate chat at a terminal: the prompt line's echo (tmux)", () => {
  it.skipIf(!TMUX_PATH)(
    "echoes the full line, also after typed text and for each line of a pasted pair",
    async ({ onTestFinished }) => {
      const dataDir = tempDataDir();
      const pane = TmuxPane.start({
        command: cliCommandLine(["chat", "--user", "pia"]),
        env: paneEnv(dataDir),
        cwd: dataDir,
      });
      onTestFinished(() => pane.kill());
      await pane.waitFor(/^you › $/m);

      // Part typed first, the rest and Enter in one send-keys call.
      pane.type("/connec");
      await pane.waitFor(/^you › \/connec$/m);
      pane.press("tions", "Enter");
      await pane.waitFor("Connections of pia:");
      expect(pane.capture()).toMatch(/^you › \/connections$/m);
      await pane.waitFor(/^you › $/m);

      // Two lines pasted at once: each keeps its echo.
      pane.press("/help", "Enter", "/connections", "Enter");
      await pane.waitUntil(
        (screen) => screen.split("Connections of pia:").length === 3,
        "a second 'Connections of pia:'",
      );
      expect(pane.capture()).toMatch(/^you › \/help$/m);
      expect(pane.capture().match(/^you › \/connections$/gm)).toHaveLength(2);
      await pane.waitFor(/^you › $/m);

      // A request and its Enter together: the echo is the request.
      pane.press("show my unread email", "Enter");
      await pane.waitFor(/Waiting for you to connect Gmail… \d:\d\d/);
      expect(pane.capture()).toMatch(/^you › show my unread email$/m);

      pane.press("C-d");
      expect(await pane.waitForExit(), pane.capture()).toBe(0);
    },
  );

  it.skipIf(!TMUX_PATH)(
    "an approval and the fields of an edit have their own prompt, echoed with their answers",
    async ({ onTestFinished }) => {
      const openai = await startFakeOpenAI();
      onTestFinished(() => openai.close());
      // Sends one email to someone the person never named (so it is asked), then says what the tool said.
      openai.setResponder((body) => {
        const last = body.messages.at(-1);
        if (last?.role === "tool") return { text: `Tool said: ${String(last.content).slice(0, 40)}` };
        const args = { to: ["eve@elsewhere.example"], subject: "Contract", body: "The terms." };
        return { toolCalls: [{ name: "gmail_send_message", args }] };
      });
      const dataDir = tempDataDir();
      const pane = TmuxPane.start({
        command: cliCommandLine(["chat", "--auto-approve", "--user", "ivo"]),
        env: paneEnv(dataDir, { OPENAI_BASE_URL: openai.url, OPENAI_API_KEY: "sk-prompt-labels" }),
        cwd: dataDir,
      });
      onTestFinished(() => pane.kill());
      await pane.waitFor(/^you › $/m);

      pane.press("forward the contract", "Enter");
      // eve@elsewhere.example is not named by the person: no "always", and "a" asks again.
      await pane.waitFor("Approve? [y]es / [n]o / [e]dit");
      await pane.waitFor(/^approve › $/m);
      pane.press("a", "Enter");
      await pane.waitFor('"Always" is not offered here: this call names a target you did not name');
      await pane.waitFor(/^approve › $/m);
      pane.press("e", "Enter");
      await pane.waitFor(/^to › $/m);
      // Enter alone keeps a field (the next one is asked).
      pane.press("Enter");
      await pane.waitFor(/^subject › $/m);
      pane.press("Signed contract", "Enter");
      await pane.waitFor(/^body › $/m);
      pane.press("The signed terms.", "Enter");
      await pane.waitFor("Tool said:");
      const screen = await pane.waitFor(/^you › $/m);
      expect(screen).toMatch(/^you › forward the contract$/m);
      expect(screen).toMatch(/^approve › a$/m);
      expect(screen).toMatch(/^approve › e$/m);
      expect(screen).toMatch(/^subject › Signed contract$/m);
      expect(screen).toMatch(/^body › The signed terms\.$/m);
      expect(openai.requests.at(-1)?.messages.at(-1)?.content).not.toMatch(/^Error/);
      // The tool line shows what ran: the kept recipient and the edited subject.
      expect(screen).toMatch(/✓ gmail_send_message\(.*eve@elsewhere\.example.*Signed contract/);

      pane.press("C-d");
      expect(await pane.waitForExit(), pane.capture()).toBe(0);
    },
  );
});
