/** Slack incoming webhook with a Block Kit message (job, run, error, link to the console). */
import type { NotificationChannel } from "../../notifications/ports.ts";
import type { NotificationMessage } from "../../notifications/rules.ts";
import type { PostJson } from "./http-post.ts";

export function slackPayload(message: NotificationMessage): Record<string, unknown> {
  const fields = [
    { type: "mrkdwn", text: `*Job*\n${message.jobName ?? message.jobId}` },
    { type: "mrkdwn", text: `*Run*\n${message.runId ?? "—"}` },
  ];
  return {
    text: message.title,
    blocks: [
      { type: "header", text: { type: "plain_text", text: message.title.slice(0, 150) } },
      { type: "section", fields },
      ...(message.detail
        ? [
            {
              type: "section",
              text: { type: "mrkdwn", text: `*Error*\n\`\`\`${message.detail.slice(0, 2900)}\`\`\`` },
            },
          ]
        : []),
      {
        type: "actions",
        elements: [
          { type: "button", text: { type: "plain_text", text: "Open in console" }, url: message.link },
        ],
      },
      { type: "context", elements: [{ type: "mrkdwn", text: `${message.kind} · ${message.occurredAt}` }] },
    ],
  };
}

export function createSlackChannel(postJson: PostJson): NotificationChannel {
  return {
    type: "slack",
    async send(message, config) {
      if (config.type !== "slack") throw new Error("slack channel got a non-slack config");
      await postJson(config.webhookUrl, JSON.stringify(slackPayload(message)));
    },
  };
}
