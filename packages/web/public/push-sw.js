/*
 * Jobledger console service worker: shows Web Push notifications sent by the notifier
 * (payload { title, body, url, tag }) and opens the linked console page when clicked.
 */
self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data?.json() ?? {};
  } catch {
    data = { body: event.data?.text() ?? "" };
  }
  const title = data.title || "Jobledger";
  event.waitUntil(
    self.registration.showNotification(title, {
      body: data.body || "",
      tag: data.tag,
      data: { url: data.url || "/notifications" },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = event.notification.data?.url || "/notifications";
  event.waitUntil(self.clients.openWindow(url));
});
