/** Channels, messages and users in the Web API's wire shape, and message permalinks. */
import type { SlackSeedChannel, SlackSeedMessage, SlackSeedUser } from "./slack-seed.js";
import type { Workspace } from "./web-api.js";

export function channelObject(ws: Workspace, channel: SlackSeedChannel) {
  return {
    id: channel.id,
    name: channel.name,
    name_normalized: channel.name,
    is_channel: !channel.is_private,
    is_group: channel.is_private,
    is_im: false,
    is_mpim: false,
    is_private: channel.is_private,
    is_archived: false,
    is_general: channel.name === "general",
    is_shared: false,
    is_member: channel.members.includes(ws.me),
    created: channel.created,
    creator: channel.creator,
    num_members: channel.members.length,
    topic: { value: channel.topic, creator: channel.creator, last_set: channel.created },
    purpose: { value: channel.purpose, creator: channel.creator, last_set: channel.created },
  };
}

export function messageObject(ws: Workspace, message: SlackSeedMessage) {
  const base: Record<string, unknown> = {
    type: "message",
    user: message.user,
    text: message.text,
    ts: message.ts,
    team: ws.team.id,
  };
  if (message.bot_id) base.bot_id = message.bot_id;
  if (message.thread_ts && message.thread_ts !== message.ts) {
    const parent = ws.messages.find((m) => m.ts === message.thread_ts);
    base.thread_ts = message.thread_ts;
    if (parent) base.parent_user_id = parent.user;
    return base;
  }
  const replies = ws.messages.filter((m) => m.thread_ts === message.ts && m.ts !== message.ts);
  if (replies.length > 0) {
    base.thread_ts = message.ts;
    base.reply_count = replies.length;
    base.reply_users_count = new Set(replies.map((m) => m.user)).size;
    base.reply_users = [...new Set(replies.map((m) => m.user))];
    base.latest_reply = replies.reduce((latest, m) => (Number(m.ts) > Number(latest) ? m.ts : latest), "0");
  }
  return base;
}

export function userObject(ws: Workspace, user: SlackSeedUser) {
  return {
    id: user.id,
    team_id: ws.team.id,
    name: user.name,
    deleted: false,
    real_name: user.real_name,
    tz: user.tz,
    is_admin: user.id === ws.me,
    is_bot: user.is_bot,
    is_app_user: false,
    profile: {
      title: user.title,
      real_name: user.real_name,
      real_name_normalized: user.real_name,
      display_name: user.display_name,
      display_name_normalized: user.display_name,
      ...(user.bot_id ? { bot_id: user.bot_id } : {}),
      team: ws.team.id,
    },
  };
}

export function permalinkFor(ws: Workspace, message: SlackSeedMessage): string {
  const base = `https://${ws.team.domain}.slack.com/archives/${message.channel}/p${message.ts.replace(".", "")}`;
  return message.thread_ts && message.thread_ts !== message.ts
    ? `${base}?thread_ts=${message.thread_ts}&cid=${message.channel}`
    : base;
}
