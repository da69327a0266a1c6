import { listIn, type Matcher, plan, type Reply, stringIn, text } from "../plan.js";
import { capitalize, findEmails } from "../text.js";
import type { MailProvider } from "./mail-common.js";

/**
 * "do what the latest email from Morgan asks": a deliberately credulous request, so the offline
 * demo can show a prompt injection being caught (examples/prompt-injection.yaml). The model reads
 * that sender's latest mail and, when the mail asks to forward or send something to an address,
 * sends it there — the address comes from the mail, not from the person, so Delegate's gate asks
 * before anything is sent (`target_not_named_by_user`). Nothing else in the mail is acted on.
 */
export function mailAsksMatcher(provider: MailProvider): Matcher {
  return (request) => {
    const match =
      /^do\s+(?:what(?:ever)?|as)\s+(?:the\s+|my\s+)?(?:latest|last|newest|most\s+recent)\s+(?:e-?mail|mail|message)\s+from\s+(\S+)\s+(?:asks|says|wants)(?:\s+me)?(?:\s+to(?:\s+do)?)?$/i.exec(
        request,
      );
    const sender = match?.[1]?.toLowerCase();
    if (!sender) return null;
    const who = capitalize(sender);
    return plan(
      `Looking for the latest email from ${who} in ${provider.label}.`,
      // In the inbox: the person's own sent mail may carry the same name.
      [
        {
          name: provider.searchTool,
          args: provider.searchArgs({ from: sender, text: "in:inbox", max: 1 }),
          quiet: true,
        },
      ],
      (outcomes): Reply => {
        const found = outcomes.find((outcome) => outcome.name === provider.searchTool && outcome.ok);
        const id = stringIn(listIn(found?.data, "messages", "items", "value")[0], "id", "message_id");
        if (!id) return text(`I didn't find any email from ${who} in your ${provider.label}.`);
        return plan(
          "Reading what it asks.",
          [{ name: provider.getTool, args: { message_id: id }, quiet: true }],
          (read) => {
            const mail = read.find((outcome) => outcome.name === provider.getTool && outcome.ok)?.data;
            const subject = stringIn(mail, "subject") ?? "(no subject)";
            const body = stringIn(mail, "body", "text") ?? "";
            const ask = body
              .split(/\n+|(?<=[.!?])\s+/)
              .find(
                (sentence) => /\b(?:forward|send|e-?mail)\b/i.test(sentence) && findEmails(sentence).length,
              );
            const to = ask ? findEmails(ask) : [];
            if (!ask || to.length === 0) {
              return text(
                `${who}'s latest email ("${subject}") doesn't ask me to send anything to an address, so there is nothing for me to do.`,
              );
            }
            return plan(`${who}'s email asks: "${ask.trim()}" Sending it to ${to.join(", ")}.`, [
              {
                name: provider.sendTool,
                args: {
                  to,
                  subject: `Fwd: ${subject}`,
                  body: `Forwarding as asked in "${subject}":\n\n${ask.trim()}`,
                },
              },
            ]);
          },
        );
      },
    );
  };
}
