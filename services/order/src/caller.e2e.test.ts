import { newId } from "@polyscale/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrderClient, OrderStatus, type OrderClient } from "./client.js";
import { createTestProduct, startTestServices, type TestServices } from "./test-dependencies.js";

/**
 * Defence in depth: the order service itself refuses to act for another account than the one the forwarded access
 * token names, whatever accountId the caller (normally the gateway) put in the request. Called over gRPC directly.
 */
describe("order service checks the forwarded end-user identity", () => {
  let services: TestServices;
  let orders: OrderClient;

  beforeAll(async () => {
    services = await startTestServices({ backend: "postgres", order: { env: {} } });
    orders = createOrderClient({ address: services.addresses.order!, deadlineMs: 10_000 });
  });

  afterAll(async () => {
    orders?.close();
    await services?.close();
  });

  async function customer(): Promise<{ accountId: string; accessToken: string }> {
    const { session } = await services.accounts.register({
      name: "Customer",
      email: `caller-${newId()}@example.com`,
      password: "correct-horse-battery-9",
    });
    return { accountId: session!.account!.id, accessToken: session!.accessToken };
  }

  it("refuses to place, read or cancel an order for another account, and lets the owner and an admin", async () => {
    const [alice, mallory] = [await customer(), await customer()];
    const productId = await createTestProduct(services.products, { priceCents: 700, stock: 10 });
    const place = (accountId: string, accessToken: string) =>
      orders.placeOrder({ accountId, lines: [{ productId, quantity: 1 }], idempotencyKey: "" }, { accessToken });

    // Mallory's token with Alice's account id, as a gateway bug would send it.
    await expect(place(alice.accountId, mallory.accessToken)).rejects.toMatchObject({
      code: "PERMISSION_DENIED",
      reason: "NOT_OWNER",
    });
    const { order } = await place(alice.accountId, alice.accessToken);
    expect(order).toMatchObject({ accountId: alice.accountId, status: OrderStatus.ORDER_STATUS_PENDING_PAYMENT });

    for (const call of [
      () => orders.getOrder({ id: order!.id }, { accessToken: mallory.accessToken }),
      () => orders.cancelOrder({ id: order!.id }, { accessToken: mallory.accessToken }),
      () => orders.getCart({ accountId: alice.accountId }, { accessToken: mallory.accessToken }),
      () => orders.listOrders({ accountId: "", skip: 0, take: 10 }, { accessToken: mallory.accessToken }),
      () =>
        orders.listOrdersForAccounts(
          { accountIds: [mallory.accountId, alice.accountId] },
          { accessToken: mallory.accessToken },
        ),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: "PERMISSION_DENIED", reason: "NOT_OWNER" });
    }
    expect((await orders.getOrder({ id: order!.id }, { accessToken: alice.accessToken })).order!.status).toBe(
      OrderStatus.ORDER_STATUS_PENDING_PAYMENT,
    );

    const { session: admin } = await services.accounts.login({
      email: "admin@polyscale.local",
      password: "polyscale-admin",
    });
    expect((await orders.getOrder({ id: order!.id }, { accessToken: admin!.accessToken })).order!.id).toBe(order!.id);
    await expect(orders.markFulfilled({ id: order!.id }, { accessToken: alice.accessToken })).rejects.toMatchObject({
      code: "PERMISSION_DENIED",
      reason: "ADMIN_REQUIRED",
    });
    const cancelled = await orders.cancelOrder({ id: order!.id }, { accessToken: alice.accessToken });
    expect(cancelled.order!.status).toBe(OrderStatus.ORDER_STATUS_CANCELLED);
  });

  it("refuses a forwarded token that does not verify", async () => {
    const alice = await customer();
    const forged = alice.accessToken.slice(0, -4) + (alice.accessToken.endsWith("AAAA") ? "BBBB" : "AAAA");
    await expect(orders.getCart({ accountId: alice.accountId }, { accessToken: forged })).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
    });
  });
});
