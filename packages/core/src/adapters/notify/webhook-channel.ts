/**
 * Generic webhook: the message as JSON, signed like job requests
 * (`Jobledger-Signature: t=…,v1=HMAC-SHA256(secret, "<t>.<body>")`, see docs/signing.md)
 * with the secret stored in the preference.
 */
import type { NotificationChannel } from "../../notifications/ports.ts";
import type { Clock } from "../../ports/clock.ts";
import { SIGNATURE_HEADER, signRequest } from "../http/signature.ts";
import type { PostJson } from "./http-post.ts";

export function createWebhookChannel(clock: Clock, postJson: PostJson): NotificationChannel {
  return {
    type: "webhook",
    async send(message, config) {
      if (config.type !== "webhook") throw new Error("webhook channel got a non-webhook config");
      const body = JSON.stringify({ type: message.kind, ...message });
      await postJson(config.url, body, {
        [SIGNATURE_HEADER]: signRequest(config.secret, body, clock.now()),
        "Jobledger-Event-Id": message.sourceEventId,
      });
    },
  };
}
