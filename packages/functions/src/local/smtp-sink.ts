/**
 * The local SMTP sink: accepts every message (no auth, no TLS, loopback only) and writes it
 * as a `.eml` file to `<dataDir>/mail`, which any mail client opens. The local runtime
 * starts it and points the email channel at it (JOBLEDGER_SMTP_URL).
 */
import { mkdir, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { localVapidKeys } from "@jobledger/core/adapters/notify/push-channel";
import type { AppConfig } from "@jobledger/core/config";
import type { Logger } from "@jobledger/core/logging";
import { SMTPServer } from "smtp-server";

export interface SmtpSink {
  port: number;
  /** smtp:// URL for nodemailer */
  url: string;
  /** folder the .eml files go to */
  dir: string;
  close(): Promise<void>;
}

export async function startSmtpSink(options: {
  dir: string;
  port?: number;
  host?: string;
  logger?: Logger;
  /** called with each stored file (tests) */
  onMessage?: (file: string) => void;
}): Promise<SmtpSink> {
  const host = options.host ?? "127.0.0.1";
  await mkdir(options.dir, { recursive: true });
  let counter = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    banner: "Jobledger local SMTP sink",
    size: 10 * 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const name = `${new Date().toISOString().replace(/[:.]/g, "-")}-${process.pid}-${++counter}.eml`;
        const file = path.join(options.dir, name);
        writeFile(file, Buffer.concat(chunks))
          .then(() => {
            options.logger?.info({ file, to: session.envelope.rcptTo.map((r) => r.address) }, "mail stored");
            options.onMessage?.(file);
            callback();
          })
          .catch((error: Error) => callback(error));
      });
    },
  });
  server.on("error", (error) => options.logger?.error({ err: error }, "smtp sink error"));
  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  options.logger?.info(
    { port, dir: options.dir },
    `SMTP sink listening on ${host}:${port}; mail goes to ${options.dir}`,
  );
  return {
    port,
    url: `smtp://${host}:${port}`,
    dir: options.dir,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * What the local runtime sets up for notifications before wiring: the SMTP sink (unless
 * JOBLEDGER_SMTP_URL points elsewhere) and the VAPID keys kept in the
 * data folder. Returns the sink to close on shutdown, if one was started.
 */
export async function prepareLocalNotifications(
  config: AppConfig,
  logger: Logger,
): Promise<{ endpoint: string; close(): Promise<void> } | null> {
  const n = config.notifications;
  if (!n.vapidPublicKey || !n.vapidPrivateKey) {
    const keys = await localVapidKeys(config.dataDir);
    n.vapidPublicKey = keys.publicKey;
    n.vapidPrivateKey = keys.privateKey;
  }
  if (n.smtpUrl) return null;
  const sink = await startSmtpSink({
    dir: path.join(config.dataDir, "mail"),
    port: n.smtpSinkPort,
    logger: logger.child({ component: "smtp-sink" }),
  });
  n.smtpUrl = sink.url;
  return { endpoint: sink.url, close: sink.close };
}
