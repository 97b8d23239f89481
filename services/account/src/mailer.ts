import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import nodemailer from "nodemailer";
import type { Logger } from "@polyscale/platform";

/** One plain-text email. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** How the account service sends email; a failure rejects (callers decide whether the user must hear of it). */
export interface Mailer {
  send(mail: Mail): Promise<void>;
  close(): void;
}

/** Through an SMTP server (nodemailer), e.g. `smtps://user:password@mail.example.com:465`. */
export function smtpMailer(options: { url: string; from: string }): Mailer {
  const transport = nodemailer.createTransport(options.url);
  return {
    async send(mail) {
      await transport.sendMail({ from: options.from, ...mail });
    },
    close: () => transport.close(),
  };
}

/**
 * For development: each message is written as an RFC 5322 `.eml` file (nodemailer's own rendering) into `folder`,
 * where the developer opens it, and a log line says which file. The line never holds the message: it carries tokens.
 */
export function folderMailer(options: { folder: string; from: string; logger: Logger }): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  let sequence = 0;
  return {
    async send(mail) {
      const info = await transport.sendMail({ from: options.from, ...mail });
      await mkdir(options.folder, { recursive: true });
      sequence += 1;
      const file = path.join(options.folder, `${new Date().toISOString().replace(/[:.]/g, "-")}-${sequence}.eml`);
      await writeFile(file, info.message as Buffer, { mode: 0o600 });
      options.logger.info({ file, subject: mail.subject }, "email written to a file (SMTP_URL is unset)");
    },
    close: () => transport.close(),
  };
}
