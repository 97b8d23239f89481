import { LIMITS, newId, onEventsCommitted } from "@polyscale/platform";
import { databaseBackends, type TestDatabase } from "@polyscale/tools/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProductService } from "./service.js";
import { openProductService, rejection } from "./test-product-service.js";

describe.each(databaseBackends())("ProductService inventory on $name", (backend) => {
  let test: TestDatabase;
  let service: ProductService;

  beforeAll(async () => {
    ({ test, service } = await openProductService(backend));
  });
  afterAll(async () => {
    await test?.close();
  });

  const createProduct = async (stock: number) =>
    service.createProduct({
      name: "Limited Print",
      description: "",
      priceCents: 1500,
      currency: "USD",
      categoryId: "",
      stock,
    });
  const stockOf = async (id: string) => (await service.getProduct(id)).stock;
  const reservedUnits = async (productId: string) =>
    (
      await test.database.query<{ total: number }>(
        "SELECT coalesce(sum(quantity), 0)::int AS total FROM reservation_lines WHERE product_id = $1",
        [productId],
      )
    ).rows[0]!.total;
  /** The names of the events written about a product, in outbox order. */
  const eventsOf = async (productId: string) =>
    (
      await test.database.query<{ subject: string }>(
        "SELECT subject FROM event_outbox WHERE aggregate_id = $1 ORDER BY id",
        [productId],
      )
    ).rows.map((row) => row.subject.replace("polyscale.", ""));

  it("lets exactly as many of 50 concurrent 1-unit reservations succeed as there is stock", async () => {
    const product = await createProduct(10);
    const attempts = await Promise.allSettled(
      Array.from({ length: 50 }, () =>
        service.reserveStock({ orderId: newId(), lines: [{ productId: product.id, quantity: 1 }] }),
      ),
    );
    const succeeded = attempts.filter((attempt) => attempt.status === "fulfilled");
    const failed = attempts.flatMap((attempt) => (attempt.status === "rejected" ? [attempt.reason as unknown] : []));
    expect(succeeded).toHaveLength(10);
    expect(failed).toHaveLength(40);
    for (const error of failed) {
      expect(error).toMatchObject({
        code: "FAILED_PRECONDITION",
        field: "variantId",
        message: `insufficient stock for variant ${product.id} (SKU ${product.id.toUpperCase()}) of product ${product.id}`,
      });
    }
    expect(await stockOf(product.id)).toBe(0);
    expect(await reservedUnits(product.id)).toBe(10);
  });

  it("reserves once for an order id however often, and however concurrently, it is repeated", async () => {
    const product = await createProduct(5);
    const orderId = newId();
    const request = { orderId, lines: [{ productId: product.id, quantity: 2 }] };
    const results = await Promise.all(Array.from({ length: 10 }, () => service.reserveStock(request)));
    expect(new Set(results.map((reservation) => reservation.status))).toEqual(new Set(["held"]));
    expect(results.every((reservation) => reservation.lines[0]?.quantity === 2)).toBe(true);
    expect(await service.reserveStock(request)).toEqual(results[0]);
    expect(await stockOf(product.id)).toBe(3);
    expect(await reservedUnits(product.id)).toBe(2);

    const different = await rejection(
      service.reserveStock({ orderId, lines: [{ productId: product.id, quantity: 3 }] }),
    );
    expect(different).toMatchObject({ code: "ALREADY_EXISTS", field: "orderId" });
    expect(await stockOf(product.id)).toBe(3);
  });

  it("merges repeated lines for one product into one", async () => {
    const product = await createProduct(5);
    const reservation = await service.reserveStock({
      orderId: newId(),
      lines: [
        { productId: product.id, quantity: 1 },
        { productId: product.id, quantity: 3 },
      ],
    });
    expect(reservation.lines).toEqual([{ productId: product.id, variantId: product.id, quantity: 4 }]);
    expect(await stockOf(product.id)).toBe(1);
  });

  it("regression: takes nothing when one line of several is short, and names its variant and SKU (field variantId)", async () => {
    const plenty = await createProduct(10);
    const scarce = await createProduct(1);
    const orderId = newId();
    const error = await rejection(
      service.reserveStock({
        orderId,
        lines: [
          { productId: plenty.id, quantity: 4 },
          { productId: scarce.id, quantity: 2 },
        ],
      }),
    );
    expect(error).toMatchObject({ code: "FAILED_PRECONDITION", reason: "INSUFFICIENT_STOCK", field: "variantId" });
    expect(error.message).toBe(
      `insufficient stock for variant ${scarce.id} (SKU ${scarce.variants[0]!.sku}) of product ${scarce.id}`,
    );
    expect(await stockOf(plenty.id)).toBe(10);
    expect(await stockOf(scarce.id)).toBe(1);
    expect(await reservedUnits(plenty.id)).toBe(0);
    expect(await rejection(service.releaseReservation(orderId))).toMatchObject({ code: "NOT_FOUND" });
    // Only the creation wrote an event: the failed reservation rolled back its event with its rows.
    expect(await eventsOf(plenty.id)).toEqual(["product.created"]);

    // The same order id can try again once stock allows.
    await service.adjustStock({ productId: scarce.id, delta: 1 });
    const retried = await service.reserveStock({
      orderId,
      lines: [
        { productId: plenty.id, quantity: 4 },
        { productId: scarce.id, quantity: 2 },
      ],
    });
    expect(retried.status).toBe("held");
    expect(await stockOf(plenty.id)).toBe(6);
    expect(await stockOf(scarce.id)).toBe(0);
  });

  it("refuses an unknown product with NOT_FOUND and bad lines with INVALID_ARGUMENT, writing nothing", async () => {
    const product = await createProduct(3);
    const unknown = newId();
    const orderId = newId();
    const error = await rejection(
      service.reserveStock({
        orderId,
        lines: [
          { productId: product.id, quantity: 1 },
          { productId: unknown, quantity: 1 },
        ],
      }),
    );
    expect(error).toMatchObject({ code: "NOT_FOUND", field: "productId" });
    for (const [lines, field] of [
      [[], "lines"],
      [[{ productId: product.id, quantity: 0 }], "quantity"],
      [[{ productId: "nope", quantity: 1 }], "productId"],
    ] as const) {
      expect(await rejection(service.reserveStock({ orderId, lines: [...lines] }))).toMatchObject({
        code: "INVALID_ARGUMENT",
        field,
      });
    }
    expect(
      await rejection(service.reserveStock({ orderId: "x", lines: [{ productId: product.id, quantity: 1 }] })),
    ).toMatchObject({ code: "INVALID_ARGUMENT", field: "orderId" });
    expect(await stockOf(product.id)).toBe(3);
    expect(await service.listReservations({ take: 1000 })).not.toContainEqual(expect.objectContaining({ orderId }));
  });

  // Seen (issue 16 review): the product service restated the order's rule for lines with its own messages ("must not be
  // empty", "at most 100 lines") and no cap on a product's merged units; one rule now (platform requireOrderLines).
  it("regression: refuses reservation lines by the order's one rule and message, writing nothing", async () => {
    const product = await createProduct(5_000);
    const orderId = newId();
    const cases = [
      { lines: [], expected: { field: "lines", message: "lines: must hold at least one line" } },
      {
        lines: Array.from({ length: LIMITS.orderProducts + 1 }, () => ({ productId: newId(), quantity: 1 })),
        expected: { field: "lines", message: `lines: must name at most ${LIMITS.orderProducts} different products` },
      },
      {
        lines: [
          { productId: product.id, quantity: LIMITS.lineQuantity },
          { productId: product.id, quantity: 1 },
        ],
        expected: { field: "quantity", reason: "LIMIT_EXCEEDED" },
      },
    ];
    for (const { lines, expected } of cases) {
      expect(await rejection(service.reserveStock({ orderId, lines }))).toMatchObject({
        code: "INVALID_ARGUMENT",
        ...expected,
      });
    }
    expect(await stockOf(product.id)).toBe(5_000);
  });

  it("writes stock events in the order the stock changes committed, each with the stock it left", async () => {
    const product = await createProduct(12);
    const held = newId();
    await service.reserveStock({ orderId: held, lines: [{ productId: product.id, quantity: 2 }] });
    // Concurrent reservations (more than the stock: some may be refused), a release and restocks of one product.
    const reservations = await Promise.allSettled([
      ...Array.from({ length: 16 }, () =>
        service.reserveStock({ orderId: newId(), lines: [{ productId: product.id, quantity: 1 }] }),
      ),
      service.releaseReservation(held),
      service.adjustStock({ productId: product.id, delta: 3 }),
      service.adjustStock({ productId: product.id, delta: 1 }),
    ]);
    const reserved = reservations.slice(0, 16).filter((outcome) => outcome.status === "fulfilled").length;
    const changes = (
      await test.database.query<{ body: string }>(
        "SELECT body FROM event_outbox WHERE aggregate_id = $1 AND subject = $2 ORDER BY id",
        [product.id, "polyscale.product.stock_changed"],
      )
    ).rows.map((row) => JSON.parse(row.body) as { data: { stock?: number; delta: number } });
    // The first reservation, the successful ones, the release and the two restocks.
    expect(changes).toHaveLength(1 + reserved + 1 + 2);
    // In outbox (publishing) order, each event's stock is the one before plus its delta: the order they committed in.
    let stock = 12;
    for (const { data } of changes) {
      expect(data.stock ?? 0).toBe(stock + data.delta);
      stock += data.delta;
    }
    expect(stock).toBe(await stockOf(product.id));
    // Nothing oversold: the stock lost what the successful reservations hold (the released 2 went back).
    expect(stock).toBe(12 + 4 - reserved);
    expect(await reservedUnits(product.id)).toBe(2 + reserved);
  });

  it("releases a held reservation once, restoring the stock exactly, however often it is called", async () => {
    const first = await createProduct(7);
    const second = await createProduct(2);
    const orderId = newId();
    await service.reserveStock({
      orderId,
      lines: [
        { productId: second.id, quantity: 2 },
        { productId: first.id, quantity: 5 },
      ],
    });
    expect([await stockOf(first.id), await stockOf(second.id)]).toEqual([2, 0]);
    const releases = await Promise.all([1, 2, 3].map(() => service.releaseReservation(orderId)));
    expect(releases.map((reservation) => reservation.status)).toEqual(["released", "released", "released"]);
    expect((await service.releaseReservation(orderId)).status).toBe("released");
    expect([await stockOf(first.id), await stockOf(second.id)]).toEqual([7, 2]);

    const commit = await rejection(service.commitReservation(orderId));
    expect(commit).toMatchObject({ code: "FAILED_PRECONDITION", field: "orderId" });
    // Repeating the reservation returns the released one and takes nothing.
    const repeated = await service.reserveStock({
      orderId,
      lines: [
        { productId: first.id, quantity: 5 },
        { productId: second.id, quantity: 2 },
      ],
    });
    expect(repeated.status).toBe("released");
    expect([await stockOf(first.id), await stockOf(second.id)]).toEqual([7, 2]);
  });

  it("commits a held reservation idempotently, keeping the stock taken, and then refuses to release it", async () => {
    const product = await createProduct(4);
    const orderId = newId();
    await service.reserveStock({ orderId, lines: [{ productId: product.id, quantity: 3 }] });
    const committed = await service.commitReservation(orderId);
    expect(committed).toMatchObject({ orderId, status: "committed", lines: [{ productId: product.id, quantity: 3 }] });
    expect((await service.commitReservation(orderId)).status).toBe("committed");
    expect(await rejection(service.releaseReservation(orderId))).toMatchObject({
      code: "FAILED_PRECONDITION",
      field: "orderId",
    });
    expect(await stockOf(product.id)).toBe(1);
    expect(await rejection(service.commitReservation(newId()))).toMatchObject({ code: "NOT_FOUND" });
  });

  it("adjusts stock by a signed delta but never below zero", async () => {
    const product = await createProduct(5);
    expect((await service.adjustStock({ productId: product.id, delta: 3 })).stock).toBe(8);
    expect((await service.adjustStock({ productId: product.id, delta: -8 })).stock).toBe(0);
    const below = await rejection(service.adjustStock({ productId: product.id, delta: -1 }));
    expect(below).toMatchObject({ code: "FAILED_PRECONDITION", field: "delta" });
    expect(await stockOf(product.id)).toBe(0);
    expect(await rejection(service.adjustStock({ productId: product.id, delta: 0 }))).toMatchObject({
      code: "INVALID_ARGUMENT",
      field: "delta",
    });
    expect(await rejection(service.adjustStock({ productId: newId(), delta: 1 }))).toMatchObject({
      code: "NOT_FOUND",
      field: "productId",
    });
    // Creation and the two successful adjustments, nothing for the refused one.
    expect(await eventsOf(product.id)).toEqual(["product.created", "product.stock_changed", "product.stock_changed"]);
  });

  it("wakes the outbox relays only after a stock change that wrote events, not after a refused or repeated one", async () => {
    const product = await createProduct(1);
    let wakeUps = 0;
    const stopListening = onEventsCommitted(() => (wakeUps += 1));
    try {
      const orderId = newId();
      await service.reserveStock({ orderId, lines: [{ productId: product.id, quantity: 1 }] });
      expect(wakeUps).toBe(1);
      // The repeat answers the existing reservation; the others are refused: none writes an event, so a relay woken
      // for them would only look at the outbox and find nothing (a sold-out race's many refusals did that).
      await service.reserveStock({ orderId, lines: [{ productId: product.id, quantity: 1 }] });
      await rejection(service.reserveStock({ orderId: newId(), lines: [{ productId: product.id, quantity: 1 }] }));
      await rejection(service.adjustStock({ productId: product.id, delta: -1 }));
      expect(wakeUps).toBe(1);
      await service.adjustStock({ productId: product.id, delta: 1 });
      expect(wakeUps).toBe(2);
    } finally {
      stopListening();
    }
    expect(await eventsOf(product.id)).toEqual(["product.created", "product.stock_changed", "product.stock_changed"]);
  });

  it("lists reservations by status and age, oldest first", async () => {
    const product = await createProduct(10);
    const orderIds = [newId(), newId(), newId()];
    for (const orderId of orderIds) {
      await service.reserveStock({ orderId, lines: [{ productId: product.id, quantity: 1 }] });
    }
    await service.commitReservation(orderIds[1]!);
    const held = await service.listReservations({ status: "held", take: 0 });
    const ours = held.filter((reservation) => orderIds.includes(reservation.orderId));
    expect(ours.map((reservation) => reservation.orderId)).toEqual([orderIds[0], orderIds[2]]);
    const createdTimes = held.map((reservation) => reservation.createdAt.getTime());
    expect(createdTimes).toEqual([...createdTimes].sort((a, b) => a - b));
    const committed = await service.listReservations({ status: "committed", take: 0 });
    expect(committed.map((reservation) => reservation.orderId)).toContain(orderIds[1]);
    expect(committed.every((reservation) => reservation.status === "committed")).toBe(true);
    expect(await service.listReservations({ createdBefore: new Date(0), take: 0 })).toEqual([]);
    expect(await service.listReservations({ take: 1 })).toHaveLength(1);
  });

  it("tells stock on hand, available, held and sold per product, and lists the biggest holds first", async () => {
    // Seen: an operator could not see that one unpaid order held a product's whole stock.
    const product = await createProduct(10);
    const [held, sold, released] = [newId(), newId(), newId()];
    await service.reserveStock({ orderId: held, lines: [{ productId: product.id, quantity: 3 }] });
    await service.reserveStock({ orderId: sold, lines: [{ productId: product.id, quantity: 2 }] });
    await service.reserveStock({ orderId: released, lines: [{ productId: product.id, quantity: 1 }] });
    await service.commitReservation(sold);
    await service.releaseReservation(released);
    const untouched = await createProduct(4);
    expect(await service.listStockLevels({ productIds: [untouched.id, product.id, newId()], take: 0 })).toEqual([
      { productId: untouched.id, onHand: 4, available: 4, held: 0, sold: 0 },
      { productId: product.id, onHand: 8, available: 5, held: 3, sold: 2 },
    ]);

    const hoarded = await createProduct(1000);
    await service.reserveStock({ orderId: newId(), lines: [{ productId: hoarded.id, quantity: 999 }] });
    const top = await service.listStockLevels({ productIds: [], take: 0 });
    expect(top[0]).toEqual({ productId: hoarded.id, onHand: 1000, available: 1, held: 999, sold: 0 });
    expect(top.map((level) => level.held)).toEqual(top.map((level) => level.held).sort((a, b) => b - a));
    expect(top.every((level) => level.held > 0)).toBe(true);
    expect(await service.listStockLevels({ productIds: [], take: 1 })).toHaveLength(1);
    expect(await rejection(service.listStockLevels({ productIds: ["x"], take: 0 }))).toMatchObject({
      code: "INVALID_ARGUMENT",
      field: "productIds",
    });
  });

  it("pages through every held reservation by keyset, none skipped or repeated, even when created together", async () => {
    const product = await createProduct(100);
    // Created concurrently, so several share a created_at down to the millisecond.
    const orderIds = Array.from({ length: 37 }, () => newId());
    await Promise.all(
      orderIds.map((orderId) => service.reserveStock({ orderId, lines: [{ productId: product.id, quantity: 1 }] })),
    );
    const seen: string[] = [];
    let afterOrderId: string | undefined;
    for (;;) {
      const page = await service.listReservations({ status: "held", take: 5, afterOrderId });
      seen.push(...page.map((reservation) => reservation.orderId));
      if (page.length < 5) break;
      afterOrderId = page[page.length - 1]!.orderId;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(orderIds));
    const all = await service.listReservations({ status: "held", take: 1000 });
    expect(seen).toEqual(all.map((reservation) => reservation.orderId));
    expect(await rejection(service.listReservations({ status: "held", take: 5, afterOrderId: newId() }))).toMatchObject(
      { code: "INVALID_ARGUMENT", field: "afterOrderId" },
    );
    expect(await rejection(service.listReservations({ status: "held", take: 5, afterOrderId: "nope" }))).toMatchObject({
      code: "INVALID_ARGUMENT",
      field: "afterOrderId",
    });
  });

  /** The product.stock_changed events written for reservations of these products: order id and units taken. */
  const reservedEvents = async (productIds: readonly string[]) =>
    (
      await test.database.query<{ body: string }>(
        "SELECT body FROM event_outbox WHERE aggregate_id = ANY($1::text[]) AND subject = $2 ORDER BY id",
        [productIds, "polyscale.product.stock_changed"],
      )
    ).rows
      .map((row) => (JSON.parse(row.body) as { data: { orderId: string; delta: number; cause: string } }).data)
      .filter((data) => data.cause === "reserved");
  const reservationRows = async (orderIds: readonly string[]) =>
    (
      await test.database.query<{ reservations: number; lines: number }>(
        `SELECT (SELECT count(*) FROM reservations WHERE order_id = ANY($1::uuid[]))::int AS reservations,
                (SELECT count(*) FROM reservation_lines WHERE order_id = ANY($1::uuid[]))::int AS lines`,
        [orderIds],
      )
    ).rows[0]!;

  // A reservation is one statement that commits by itself (no transaction to roll back): all lines or none rests on
  // that statement writing nothing when it refuses a line.
  it("race: 100 concurrent one-product reservations, some refused, take all their lines or nothing", async () => {
    const product = await createProduct(100);
    const orders = Array.from({ length: 100 }, (_, index) => ({
      orderId: newId(),
      quantity: 1 + (index % 3),
      // Every fifth order also names a variant the product does not have: refused whatever the stock.
      missingVariant: index % 5 === 0 ? newId() : undefined,
    }));
    const attempts = await Promise.allSettled(
      orders.map((order) =>
        service.reserveStock({
          orderId: order.orderId,
          lines: [
            { productId: product.id, quantity: order.quantity },
            ...(order.missingVariant ? [{ productId: product.id, variantId: order.missingVariant, quantity: 1 }] : []),
          ],
        }),
      ),
    );
    const reserved = orders.filter((_, index) => attempts[index]!.status === "fulfilled");
    const refused = orders.filter((_, index) => attempts[index]!.status === "rejected");
    for (const [index, attempt] of attempts.entries()) {
      if (attempt.status === "fulfilled") continue;
      expect(attempt.reason).toMatchObject(
        orders[index]!.missingVariant
          ? { code: "NOT_FOUND", reason: "VARIANT_NOT_FOUND", field: "variantId" }
          : { code: "FAILED_PRECONDITION", reason: "INSUFFICIENT_STOCK", field: "variantId" },
      );
    }
    expect(reserved.every((order) => !order.missingVariant)).toBe(true);
    expect(refused.length).toBeGreaterThan(20);
    const taken = reserved.reduce((sum, order) => sum + order.quantity, 0);
    expect(await stockOf(product.id)).toBe(100 - taken);
    expect(await reservedUnits(product.id)).toBe(taken);
    expect(await reservationRows(reserved.map((order) => order.orderId))).toEqual({
      reservations: reserved.length,
      lines: reserved.length,
    });
    expect(await reservationRows(refused.map((order) => order.orderId))).toEqual({ reservations: 0, lines: 0 });
    // One event per reservation, none for a refused one, and in outbox order each leaves the stock the last one left.
    const events = await reservedEvents([product.id]);
    expect(events.map((event) => event.orderId).sort()).toEqual(reserved.map((order) => order.orderId).sort());
    expect(events.reduce((sum, event) => sum - event.delta, 0)).toBe(taken);
  });

  it("race: 100 concurrent orders over the same products, named in any order, neither deadlock nor oversell", async () => {
    const products = await Promise.all([1, 2, 3, 4, 5].map(() => createProduct(60)));
    const orders = Array.from({ length: 100 }, (_, index) => ({
      orderId: newId(),
      // Two to four of the products, rotated and reversed so that orders name them in different orders.
      lines: (index % 2 === 0 ? products : [...products].reverse())
        .slice(index % 5)
        .concat(products)
        .slice(0, 2 + (index % 3))
        .filter((product, position, all) => all.indexOf(product) === position)
        .map((product, position) => ({ productId: product.id, quantity: 1 + ((index + position) % 2) })),
    }));
    const attempts = await Promise.allSettled(
      orders.map((order) => service.reserveStock({ orderId: order.orderId, lines: order.lines })),
    );
    const reserved = orders.filter((_, index) => attempts[index]!.status === "fulfilled");
    const refused = orders.filter((_, index) => attempts[index]!.status === "rejected");
    for (const attempt of attempts) {
      if (attempt.status === "rejected") {
        expect(attempt.reason).toMatchObject({ code: "FAILED_PRECONDITION", reason: "INSUFFICIENT_STOCK" });
      }
    }
    expect(refused.length).toBeGreaterThan(0);
    for (const product of products) {
      const taken = reserved
        .flatMap((order) => order.lines)
        .filter((line) => line.productId === product.id)
        .reduce((sum, line) => sum + line.quantity, 0);
      expect(await stockOf(product.id)).toBe(60 - taken);
      expect(await reservedUnits(product.id)).toBe(taken);
    }
    expect(await reservationRows(refused.map((order) => order.orderId))).toEqual({ reservations: 0, lines: 0 });
    const events = await reservedEvents(products.map((product) => product.id));
    expect(events).toHaveLength(reserved.reduce((sum, order) => sum + order.lines.length, 0));
    expect(new Set(events.map((event) => event.orderId))).toEqual(new Set(reserved.map((order) => order.orderId)));
  });
});
