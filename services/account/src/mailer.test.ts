import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "@polyscale/platform";
import { startSmtpServer } from "@polyscale/tools/testing";
import { folderMailer, smtpMailer } from "./mailer.js";

const mail = {
  to: "ada@example.com",
  subject: "Reset your password",
  text: "Open https://shop.example/reset?token=abc",
};

describe("mailers", () => {
  const folders: string[] = [];
  afterAll(async () => {
    for (const folder of folders) await rm(folder, { recursive: true, force: true });
  });

  it("writes each message as an .eml file in development, never dropping it", async () => {
    const folder = await mkdtemp(path.join(tmpdir(), "polyscale-mail-"));
    folders.push(folder);
    const mailer = folderMailer({
      folder: path.join(folder, "mail"),
      from: "Shop <no-reply@shop.example>",
      logger: createLogger("mail-test", "silent"),
    });
    await mailer.send(mail);
    await mailer.send({ ...mail, subject: "Second" });
    const files = await readdir(path.join(folder, "mail"));
    expect(files).toHaveLength(2);
    const written = await readFile(path.join(folder, "mail", files.sort()[0]!), "utf8");
    expect(written).toMatch(/^To: ada@example.com$/m);
    expect(written).toMatch(/^Subject: Reset your password$/m);
    expect(written).toContain("token=abc");
    mailer.close();
  });

  it("delivers through a real SMTP server", async () => {
    const server = await startSmtpServer();
    try {
      const mailer = smtpMailer({ url: server.url, from: "no-reply@shop.example" });
      await mailer.send(mail);
      mailer.close();
      expect(server.inbox).toHaveLength(1);
      expect(server.inbox[0]).toMatch(/^Subject: Reset your password$/m);
      expect(server.inbox[0]).toContain("token=abc");
    } finally {
      await server.close();
    }
  });
});
