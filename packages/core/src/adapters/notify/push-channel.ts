/**
 * Web Push (VAPID) to browsers subscribed from the console. The payload is encrypted for
 * the subscription (aes128gcm) by `web-push`; the push service only sees ciphertext.
 * Locally the VAPID key pair is generated once and kept in `<dataDir>/vapid.json`.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import webpush from "web-push";
import type { NotificationChannel } from "../../notifications/ports.ts";
import type { PostJson } from "./http-post.ts";

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/** `post`: the guarded poster (SSRF rules at connect time), as the webhook channels use. */
export function createPushChannel(options: {
  vapid: VapidKeys;
  subject: string;
  post: PostJson;
}): NotificationChannel {
  return {
    type: "push",
    async send(message, config) {
      if (config.type !== "push") throw new Error("push channel got a non-push config");
      const payload = JSON.stringify({
        title: message.title,
        body: message.detail ?? message.kind,
        url: message.link,
        tag: message.sourceEventId,
      });
      // web-push encrypts (aes128gcm) and signs the VAPID JWT; we send the request ourselves
      const request = webpush.generateRequestDetails(config.subscription, payload, {
        vapidDetails: {
          subject: options.subject,
          publicKey: options.vapid.publicKey,
          privateKey: options.vapid.privateKey,
        },
        TTL: 3600,
      });
      await options.post(
        request.endpoint,
        request.body ? new Uint8Array(request.body) : new Uint8Array(),
        request.headers as Record<string, string>,
      );
    },
  };
}

/** The local VAPID key pair: read from `<dataDir>/vapid.json`, generated on first use. */
export async function localVapidKeys(dataDir: string): Promise<VapidKeys> {
  const file = path.join(dataDir, "vapid.json");
  try {
    return JSON.parse(await readFile(file, "utf8")) as VapidKeys;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const keys = webpush.generateVAPIDKeys();
  try {
    await writeFile(file, JSON.stringify(keys), { flag: "wx", mode: 0o600 });
    return keys;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      return JSON.parse(await readFile(file, "utf8")) as VapidKeys;
    }
    throw error;
  }
}
