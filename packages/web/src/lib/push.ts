/**
 * "Notify this browser": registers `/push-sw.js`, subscribes to Web Push with the API's VAPID
 * public key (`GET /v1/notifications/push-key`) and saves a push preference for the subscription.
 */
import { api } from "./api";
import { base64UrlToBytes, type Preference, pushPreferenceBody } from "./notifications";

export function pushSupported(): boolean {
  return (
    typeof navigator !== "undefined" && "serviceWorker" in navigator && typeof PushManager !== "undefined"
  );
}

export async function subscribeThisBrowser(recipient: string): Promise<Preference> {
  if (!pushSupported()) throw new Error("this browser does not support Web Push");
  const permission = await Notification.requestPermission();
  if (permission !== "granted") throw new Error(`notification permission ${permission}`);
  const { publicKey } = await api<{ publicKey: string }>("/api/v1/notifications/push-key");
  const registration = await navigator.serviceWorker.register("/push-sw.js");
  await navigator.serviceWorker.ready;
  const subscription = await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: base64UrlToBytes(publicKey),
  });
  const json = subscription.toJSON();
  if (!json.endpoint || !json.keys?.p256dh || !json.keys.auth)
    throw new Error("the browser gave no push keys");
  return api<Preference>("/api/v1/notification-preferences", {
    method: "POST",
    json: pushPreferenceBody(recipient, {
      endpoint: json.endpoint,
      keys: { p256dh: json.keys.p256dh, auth: json.keys.auth },
    }),
  });
}
