/**
 * Email: one port, two transports. SMTP (nodemailer) locally, to the local SMTP sink; SES v2
 * SendEmail on AWS. Both render the same subject and text.
 */
import { SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import nodemailer from "nodemailer";
import type { NotificationChannel } from "../../notifications/ports.ts";
import type { NotificationMessage } from "../../notifications/rules.ts";

export function emailText(message: NotificationMessage): { subject: string; text: string } {
  const lines = [
    message.title,
    "",
    `Job:  ${message.jobName ?? message.jobId} (${message.jobId})`,
    `Run:  ${message.runId ?? "-"}`,
    `When: ${message.occurredAt}`,
    ...(message.detail ? ["", message.detail] : []),
    "",
    `Open in the console: ${message.link}`,
  ];
  return { subject: `[Jobledger] ${message.title}`, text: lines.join("\n") };
}

export function createSmtpEmailChannel(options: { smtpUrl: string; from: string }): NotificationChannel {
  const transport = nodemailer.createTransport(options.smtpUrl);
  return {
    type: "email",
    async send(message, config) {
      if (config.type !== "email") throw new Error("email channel got a non-email config");
      const { subject, text } = emailText(message);
      await transport.sendMail({
        from: options.from,
        to: config.address,
        subject,
        text,
        headers: { "X-Jobledger-Event-Id": message.sourceEventId },
      });
    },
  };
}

export function createSesEmailChannel(options: {
  region: string;
  from: string;
  client?: SESv2Client;
}): NotificationChannel {
  const client = options.client ?? new SESv2Client({ region: options.region });
  return {
    type: "email",
    async send(message, config) {
      if (config.type !== "email") throw new Error("email channel got a non-email config");
      const { subject, text } = emailText(message);
      await client.send(
        new SendEmailCommand({
          FromEmailAddress: options.from,
          Destination: { ToAddresses: [config.address] },
          Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: text } } } },
        }),
      );
    },
  };
}
