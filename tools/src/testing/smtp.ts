import { SMTPServer } from "smtp-server";
import { freePort } from "../ports.js";

/** A real SMTP server a test started on a free port: what it received, as raw RFC 5322 text, in arrival order. */
export interface TestSmtpServer {
  /** smtp://127.0.0.1:<port>, for SMTP_URL or nodemailer. */
  readonly url: string;
  /** Every message accepted so far (headers and body, as sent). */
  readonly inbox: readonly string[];
  close(): Promise<void>;
}

/** Starts an SMTP server (the smtp-server package) that accepts any sender and recipient, plaintext, no auth. */
export async function startSmtpServer(): Promise<TestSmtpServer> {
  const inbox: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        inbox.push(Buffer.concat(chunks).toString("utf8"));
        callback();
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `smtp://127.0.0.1:${port}`,
    inbox,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
