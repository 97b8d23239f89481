/**
 * GraphiQL in a real headless browser (Debian's chromium, driven by playwright-core) with the network cut off: every
 * request to anything but this gateway is aborted and recorded. The page must load, run its example query against the
 * real product service, and show the result.
 */
import { createProductClient } from "@polyscale/product";
import { startTestSystem, type TestSystem } from "@polyscale/tools/test-shop";
import type { RunningSystem } from "@polyscale/tools/system";
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHROMIUM = "/usr/bin/chromium";

// CI installs chromium (.ci/run); a developer machine without it skips this one file.
describe.runIf(existsSync(CHROMIUM))("GraphiQL in a browser with the network off", () => {
  let system: RunningSystem;
  let running: TestSystem;
  let browser: Browser;

  beforeAll(async () => {
    running = await startTestSystem({ only: ["product", "gateway"] });
    system = running.system;
    const products = createProductClient({ address: system.addresses.product, deadlineMs: 5000 });
    await products.createProduct({
      name: "Offline Lantern",
      description: "found by the example query",
      priceCents: 1999,
      currency: "EUR",
      categoryId: "",
      stock: 3,
    });
    products.close();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-background-networking"],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await running?.stop();
  });

  it("loads from the gateway alone, runs the example query and shows the result", async () => {
    const page = await browser.newPage();
    const gatewayOrigin = new URL(system.gatewayUrl).origin;
    const blocked: string[] = [];
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(`${gatewayOrigin}/`) || url.startsWith("data:") || url.startsWith("blob:")) {
        return route.continue();
      }
      blocked.push(url);
      return route.abort("internetdisconnected");
    });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));

    const loaded = await page.goto(`${system.gatewayUrl}/graphql`, { waitUntil: "load", timeout: 60_000 });
    // 9 MB uncompressed: the browser gets it brotli-compressed.
    expect((await loaded!.allHeaders())["content-encoding"]).toBe("br");
    expect(await page.title()).toBe("PolyScale GraphQL");
    await page.waitForSelector(".graphiql-execute-button", { timeout: 60_000 });
    expect(await page.locator("body").innerText()).not.toContain("__TITLE__");

    // The example query is in the editor; run it and read the result pane.
    const response = page.waitForResponse(
      (answer) => answer.url().endsWith("/graphql") && answer.request().method() === "POST",
    );
    await page.click(".graphiql-execute-button");
    expect((await response).status()).toBe(200);
    // The result pane is an editor, which renders spaces as no-break spaces.
    const result = () =>
      page
        .locator(".graphiql-response")
        .innerText()
        .then((text) => text.replace(/\u00a0/g, " "));
    await expect.poll(result, { timeout: 30_000 }).toContain('"name": "Offline Lantern"');
    expect(await result()).toContain('"totalCount": 1');
    expect(await result()).toContain('"price": 19.99');
    expect(blocked).toEqual([]);
    expect(errors).toEqual([]);
  });
});
