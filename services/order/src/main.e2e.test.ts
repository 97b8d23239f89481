import { newId } from "@polyscale/platform";
import { databaseBackends, expectOneLineStartFailure, runFailedStart } from "@polyscale/tools/testing";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrderClient, ListOrdersRequest, OrderStatus, PaymentKind, type OrderClient } from "./client.js";
import {
  createTestAccount,
  createTestProduct,
  startTestServices,
  stockOf,
  type TestServices,
} from "./test-dependencies.js";

const script = fileURLToPath(new URL("../dist/main.js", import.meta.url));

/** The built order, account and product processes talking real gRPC, on each storage backend. */
describe.each(databaseBackends().map((backend) => backend.name))("order service end to end on %s", (backend) => {
  let services: TestServices;
  let orders: OrderClient;

  beforeAll(async () => {
    services = await startTestServices({
      backend,
      // Deadlines sized for a busy 2-core machine running the whole suite: no test here is about them, and a checkout
      // that waits its turn for a hot product's row lock must not fail for being slow. The reservation timeout is
      // short for the reconciler's test, yet far beyond any checkout's reserve-to-store window.
      order: { env: { GRPC_DEADLINE_MS: "60000", RESERVATION_TIMEOUT_SECONDS: "20", RECONCILE_INTERVAL_MS: "200" } },
    });
    orders = createOrderClient({ address: services.addresses.order!, deadlineMs: 120_000 });
  });

  afterAll(async () => {
    orders?.close();
    await services?.close();
  });

  const newAccount = () => createTestAccount(services.accounts);
  const newProduct = (priceCents: number, stock: number) => createTestProduct(services.products, { priceCents, stock });
  const stock = (...ids: string[]) => stockOf(services.products, ids);

  /** Polls until check() holds; for effects of the order service's background reconciler. */
  async function eventually(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<boolean> {
    const giveUpAt = Date.now() + timeoutMs;
    while (Date.now() < giveUpAt) {
      if (await check()) return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
  }

  it("takes a cart through checkout, payment and fulfilment", async () => {
    const accountId = await newAccount();
    const [a, b] = [await newProduct(1999, 10), await newProduct(500, 10)];
    await orders.addCartItem({ accountId, productId: a, quantity: 1 });
    const { cart } = await orders.addCartItem({ accountId, productId: b, quantity: 3 });
    expect(cart).toMatchObject({ totalCents: 1999 + 1500, currency: "USD" });

    const { order } = await orders.checkout({ accountId, idempotencyKey: "e2e-checkout" });
    expect(order).toMatchObject({
      accountId,
      status: OrderStatus.ORDER_STATUS_PENDING_PAYMENT,
      totalCents: 3499,
      currency: "USD",
    });
    expect((await orders.getCart({ accountId })).cart!.lines).toEqual([]);
    expect(await stock(a, b)).toEqual([9, 7]);

    const payment = {
      orderId: order!.id,
      kind: PaymentKind.PAYMENT_KIND_CAPTURE,
      amountCents: 3499,
      currency: "USD",
      provider: "stripe",
      providerReference: "ch_" + order!.id,
    };
    const paid = (await orders.recordPayment(payment)).order!;
    expect(paid.status).toBe(OrderStatus.ORDER_STATUS_PAID);
    expect(paid.payments).toMatchObject([{ kind: PaymentKind.PAYMENT_KIND_CAPTURE, amountCents: 3499 }]);
    expect((await orders.recordPayment(payment)).order).toEqual(paid);
    expect((await orders.markFulfilled({ id: order!.id })).order!.status).toBe(OrderStatus.ORDER_STATUS_FULFILLED);
    await expect(orders.cancelOrder({ id: order!.id })).rejects.toMatchObject({
      code: "FAILED_PRECONDITION",
      message: "cannot move order from fulfilled to cancelled",
    });
    expect(await stock(a, b)).toEqual([9, 7]);

    const { accounts } = await orders.listOrdersForAccounts({ accountIds: [accountId] });
    expect(accounts[0]!.orders.map((listed) => listed.id)).toEqual([order!.id]);
  });

  it("answers bad input with INVALID_ARGUMENT naming the field", async () => {
    await expect(
      orders.placeOrder({ accountId: newId(), lines: [{ productId: newId(), quantity: 0 }], idempotencyKey: "" }),
    ).rejects.toMatchObject({ code: "INVALID_ARGUMENT", field: "quantity" });
    await expect(
      orders.recordPayment({
        orderId: newId(),
        kind: PaymentKind.PAYMENT_KIND_UNSPECIFIED,
        amountCents: 1,
        currency: "USD",
        provider: "p",
        providerReference: "r",
      }),
    ).rejects.toMatchObject({ code: "INVALID_ARGUMENT", field: "kind" });
    // A cart is an account's or a guest's: naming both is refused before anything is read or written.
    await expect(orders.getCart({ accountId: newId(), cartToken: "t".repeat(43) })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      reason: "INVALID_INPUT",
      field: "cartToken",
      message: "cartToken: name an account or a guest cart's token, not both",
    });
  });

  it("never oversells when 100 checkouts race for 5 hot products", async () => {
    const hot = await Promise.all(Array.from({ length: 5 }, () => newProduct(100, 30)));
    const buyers = await Promise.all(Array.from({ length: 100 }, () => newAccount()));
    const wanted = (i: number) => [
      { productId: hot[i % 5]!, quantity: 1 + (i % 2) },
      { productId: hot[(i + 1) % 5]!, quantity: 1 },
    ];
    // Every cart is filled before any checkout starts (the barrier), so all 100 checkouts are in flight together.
    await Promise.all(
      buyers.map(async (accountId, i) => {
        for (const line of wanted(i)) await orders.addCartItem({ accountId, ...line });
      }),
    );
    const results = await Promise.allSettled(
      buyers.map((accountId) => orders.checkout({ accountId, idempotencyKey: "race" })),
    );
    const placed = results.flatMap((result) => (result.status === "fulfilled" ? [result.value.order!] : []));
    for (const result of results) {
      if (result.status === "rejected") expect(result.reason).toMatchObject({ code: "FAILED_PRECONDITION" });
    }
    // 100 buyers want 250 units of 150: some must be refused.
    expect(placed.length).toBeGreaterThan(0);
    expect(placed.length).toBeLessThan(100);
    // Each order is its buyer's whole cart at 100 cents a unit.
    for (const order of placed) {
      const i = buyers.indexOf(order.accountId);
      const lines = order.lines.map(({ productId, quantity }) => ({ productId, quantity }));
      expect(lines.sort((x, y) => x.productId.localeCompare(y.productId))).toEqual(
        wanted(i).sort((x, y) => x.productId.localeCompare(y.productId)),
      );
      expect(order.totalCents).toBe(lines.reduce((sum, line) => sum + 100 * line.quantity, 0));
    }
    const final = await stock(...hot);
    hot.forEach((productId, index) => {
      const sold = placed
        .flatMap((order) => order.lines)
        .filter((line) => line.productId === productId)
        .reduce((sum, line) => sum + line.quantity, 0);
      expect(final[index]).toBeGreaterThanOrEqual(0);
      expect(30 - final[index]!).toBe(sold);
    });
    const ordered = new Set(placed.map((order) => order.accountId));
    const carts = await Promise.all(buyers.map((accountId) => orders.getCart({ accountId })));
    carts.forEach(({ cart }) => expect(cart!.lines.length === 0).toBe(ordered.has(cart!.accountId)));
  }, 300_000);

  it("makes one order of 20 concurrent retries with one key, and refuses the key for another request", async () => {
    const accountId = await newAccount();
    const productId = await newProduct(250, 50);
    const request = { accountId, lines: [{ productId, quantity: 4 }], idempotencyKey: "burst-e2e" };
    const results = await Promise.all(Array.from({ length: 20 }, () => orders.placeOrder(request)));
    expect(new Set(results.map((result) => result.order!.id)).size).toBe(1);
    expect((await orders.listOrders(ListOrdersRequest.fromPartial({ accountId }))).orders).toHaveLength(1);
    expect(await stock(productId)).toEqual([46]);
    await expect(orders.placeOrder({ ...request, lines: [{ productId, quantity: 5 }] })).rejects.toMatchObject({
      code: "ALREADY_EXISTS",
      field: "idempotencyKey",
    });
  });

  it("releases the stock of a cancelled order", async () => {
    const accountId = await newAccount();
    const productId = await newProduct(100, 10);
    const { order } = await orders.placeOrder({ accountId, lines: [{ productId, quantity: 6 }], idempotencyKey: "" });
    expect(await stock(productId)).toEqual([4]);
    expect((await orders.cancelOrder({ id: order!.id })).order!.status).toBe(OrderStatus.ORDER_STATUS_CANCELLED);
    expect(await stock(productId)).toEqual([10]);
  });

  it("fails with UNAVAILABLE while the product service is down, and leaks no stock", async () => {
    const accountId = await newAccount();
    const productId = await newProduct(100, 10);
    await services.stop("product");
    try {
      await expect(
        orders.placeOrder({ accountId, lines: [{ productId, quantity: 2 }], idempotencyKey: "while-down" }),
      ).rejects.toMatchObject({ code: "UNAVAILABLE" });
      expect((await orders.listOrders(ListOrdersRequest.fromPartial({ accountId }))).orders).toEqual([]);
    } finally {
      await services.start("product");
    }
    expect(await stock(productId)).toEqual([10]);
    // The key was given up with the failure, so a retry places the order once the order service reconnects (its
    // channel backs off after failures and fails fast meanwhile, as a caller would see).
    const retry = () =>
      orders.placeOrder({ accountId, lines: [{ productId, quantity: 2 }], idempotencyKey: "while-down" });
    let placed: Awaited<ReturnType<typeof retry>> | undefined;
    expect(
      await eventually(async () => {
        placed = await retry().catch((error: { code?: string }) => {
          if (error.code !== "UNAVAILABLE") throw error;
          return undefined;
        });
        return placed !== undefined;
      }),
    ).toBe(true);
    expect(placed!.order!.totalCents).toBe(200);
    expect(await stock(productId)).toEqual([8]);
  });

  it("releases, in the background, a reservation whose order was never stored", async () => {
    const productId = await newProduct(100, 10);
    // What a process that died between reserving and storing leaves behind.
    await services.products.reserveStock({ orderId: newId(), lines: [{ productId, quantity: 3 }] });
    expect(await stock(productId)).toEqual([7]);
    expect(await eventually(async () => (await stock(productId))[0] === 10)).toBe(true);
  });
});

// The order service prints start-up failures as the others do (exitOnStartFailure): one coded line, no stack.
describe("order service start-up failure", () => {
  it("prints one coded line naming the bad setting, and no stack", () => {
    const result = runFailedStart(script, {
      ...process.env,
      ORDER_PORT: "not-a-port",
      ORDER_DATABASE_URL: "postgres://127.0.0.1:1/order",
    });
    expectOneLineStartFailure(
      result,
      /^order service cannot start: invalid configuration: ORDER_PORT: .+ \[CONFIG_INVALID\]$/,
    );
  });
});
