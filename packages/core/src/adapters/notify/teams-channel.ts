/** Microsoft Teams incoming webhook (or Workflows webhook) with an Adaptive Card. */
import type { NotificationChannel } from "../../notifications/ports.ts";
import type { NotificationMessage } from "../../notifications/rules.ts";
import type { PostJson } from "./http-post.ts";

export function teamsPayload(message: NotificationMessage): Record<string, unknown> {
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          body: [
            { type: "TextBlock", size: "Large", weight: "Bolder", text: message.title, wrap: true },
            {
              type: "FactSet",
              facts: [
                { title: "Job", value: message.jobName ?? message.jobId },
                { title: "Run", value: message.runId ?? "—" },
                { title: "Kind", value: message.kind },
                { title: "When", value: message.occurredAt },
              ],
            },
            ...(message.detail
              ? [{ type: "TextBlock", text: message.detail, wrap: true, color: "Attention" }]
              : []),
          ],
          actions: [{ type: "Action.OpenUrl", title: "Open in console", url: message.link }],
        },
      },
    ],
  };
}

export function createTeamsChannel(postJson: PostJson): NotificationChannel {
  return {
    type: "teams",
    async send(message, config) {
      if (config.type !== "teams") throw new Error("teams channel got a non-teams config");
      await postJson(config.webhookUrl, JSON.stringify(teamsPayload(message)));
    },
  };
}
