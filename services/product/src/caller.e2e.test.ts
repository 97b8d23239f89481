import { createAccountClient, type AccountClient } from "@polyscale/account";
import { newId } from "@polyscale/platform";
import { startTestSystem, TEST_ADMIN, type TestSystem } from "@polyscale/tools/test-shop";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProductClient, ReservationStatus, type ProductClient } from "./client.js";

/**
 * Defence in depth at the product service itself: reservations are the order service's internal calls (no forwarded
 * token), so a customer's token forwarded to one of them is refused, whatever the caller put in the request. The
 * account and product services run as processes; the calls go over gRPC directly, as a compromised or mistaken caller
 * would make them. (The catalogue's admin-only calls are checked in order's caller.e2e.test.ts, beside the others.)
 */

let shop: TestSystem;
let accounts: AccountClient;
let products: ProductClient;

beforeAll(async () => {
  shop = await startTestSystem({ only: ["account", "product"], env: { ELASTICSEARCH_URL: undefined } });
  accounts = createAccountClient({ address: shop.system.addresses.account, deadlineMs: 10_000 });
  products = createProductClient({ address: shop.system.addresses.product, deadlineMs: 10_000 });
});

afterAll(async () => {
  products?.close();
  accounts?.close();
  await shop?.stop();
});

async function customerToken(): Promise<string> {
  const { session } = await accounts.register({
    name: "Customer",
    email: `product-caller-${newId()}@example.com`,
    password: "correct-horse-battery-9",
  });
  return session!.accessToken;
}

async function stockOf(productId: string): Promise<number> {
  return (await products.getProduct({ id: productId })).product!.stock;
}

describe("product service checks the forwarded end-user identity on reservations", () => {
  // Seen (issue 16 re-check): ReserveStock, ReleaseReservation, CommitReservation and ListReservations checked nothing,
  // so a customer's token forwarded by any caller could take stock, free someone's held stock or mark it sold.
  it("refuses a customer's token on all four reservation calls and changes nothing; an admin's and internal calls pass", async () => {
    const { product } = await products.createProduct({
      name: "Reserved Lamp",
      description: "",
      priceCents: 2_500,
      currency: "USD",
      categoryId: "",
      stock: 10,
    });
    const productId = product!.id;
    // The order service's own reservation, made as it makes them: an internal call.
    const held = newId();
    await products.reserveStock({ orderId: held, lines: [{ productId, quantity: 3 }] });
    expect(await stockOf(productId)).toBe(7);

    const asCustomer = { accessToken: await customerToken() };
    const refused = { code: "PERMISSION_DENIED", reason: "ADMIN_REQUIRED" };
    const listHeld = {
      status: ReservationStatus.RESERVATION_STATUS_HELD,
      createdBefore: undefined,
      take: 1000,
      afterOrderId: "",
    };
    await expect(
      products.reserveStock({ orderId: newId(), lines: [{ productId, quantity: 5 }] }, asCustomer),
    ).rejects.toMatchObject(refused);
    await expect(products.releaseReservation({ orderId: held }, asCustomer)).rejects.toMatchObject(refused);
    await expect(products.commitReservation({ orderId: held }, asCustomer)).rejects.toMatchObject(refused);
    await expect(products.listReservations(listHeld, asCustomer)).rejects.toMatchObject(refused);

    // Nothing moved: no stock taken or given back, the reservation still held.
    expect(await stockOf(productId)).toBe(7);
    const asAdmin = { accessToken: (await accounts.login(TEST_ADMIN)).session!.accessToken };
    const { reservations } = await products.listReservations(listHeld, asAdmin);
    expect(reservations.find((reservation) => reservation.orderId === held)?.status).toBe(
      ReservationStatus.RESERVATION_STATUS_HELD,
    );

    // The order service's internal calls still settle it.
    const released = await products.releaseReservation({ orderId: held });
    expect(released.reservation!.status).toBe(ReservationStatus.RESERVATION_STATUS_RELEASED);
    expect(await stockOf(productId)).toBe(10);
  });
});
