import { newId } from "@polyscale/platform";
import { databaseBackends } from "@polyscale/tools/testing";
import { describe, expect, it } from "vitest";
import type { Product, Variant } from "./model.js";
import { useProductService, outboxEventsOf, raceReservationsWithArchive, rejection } from "./test-product-service.js";

describe.each(databaseBackends())("ProductService variant archiving on $name", (backend) => {
  const bed = useProductService(backend);
  const { search, variantStock } = bed;

  /**
   * A shirt named `name` in colours, one variant each (the first the default), priced 1000, 1100, … and stocked 5, 6, …
   * The name makes it the only match of a text search.
   */
  const createShirt = (name: string, colours: string[]): Promise<Product> =>
    bed.service.createProduct({
      name,
      description: "",
      priceCents: 0,
      currency: "",
      categoryId: "",
      stock: 0,
      variants: colours.map((colour, index) => ({
        sku: `${colour}-${newId().slice(-12)}`.toUpperCase(),
        options: [{ name: "Colour", value: colour }],
        priceCents: 1000 + 100 * index,
        currency: "USD",
        stock: 5 + index,
      })),
    });
  const idsOf = (result: { products: Product[] }) => result.products.map((product) => product.id);
  const colourOf = (variant: Variant) => variant.options[0]!.value;
  const eventsOf = (productId: string) => outboxEventsOf(bed.database, productId);

  it("takes the variant's option values out of filters and facets, its units out of stock; restore puts them back", async () => {
    const shirt = await createShirt("Quokka Shirt", ["Teal", "Umber"]);
    const [teal, umber] = shirt.variants;
    const byColour = (colour: string) => search({ query: "quokka", options: [{ name: "colour", values: [colour] }] });
    expect(idsOf(await byColour("umber"))).toEqual([shirt.id]);
    expect(shirt.stock).toBe(11);

    const { product, variant } = await bed.service.archiveVariant(umber!.id);
    expect(variant.archivedAt).toBeInstanceOf(Date);
    // The product still lists it (carts and orders hold it), marked archived; the other variant stays on sale.
    expect(product.variants.map((listed) => [colourOf(listed), listed.archivedAt !== null])).toEqual([
      ["Teal", false],
      ["Umber", true],
    ]);
    expect(product.archivedAt).toBeNull();
    expect(product.stock).toBe(5);
    expect(await variantStock(umber!.id)).toBe(6);

    expect(idsOf(await byColour("umber"))).toEqual([]);
    expect(idsOf(await byColour("teal"))).toEqual([shirt.id]);
    const found = await search({ query: "quokka" });
    expect(idsOf(found)).toEqual([shirt.id]);
    expect(found.optionFacets).toEqual([{ name: "colour", value: "teal", count: 1 }]);

    const restored = await bed.service.restoreVariant(umber!.id);
    expect(restored.variant.archivedAt).toBeNull();
    expect(restored.product.stock).toBe(11);
    expect(idsOf(await byColour("umber"))).toEqual([shirt.id]);
    expect((await search({ query: "quokka" })).optionFacets).toEqual([
      { name: "colour", value: "teal", count: 1 },
      { name: "colour", value: "umber", count: 1 },
    ]);
    expect(teal!.archivedAt).toBeNull();
  });

  it("lists the product at its first variant on sale's price while the default is archived, and in stock by it", async () => {
    const shirt = await createShirt("Wombat Shirt", ["Ochre", "Slate"]);
    const [ochre] = shirt.variants;
    await bed.service.adjustStock({ productId: shirt.id, variantId: shirt.variants[1]!.id, delta: -6 });
    const archived = await bed.service.archiveVariant(ochre!.id);
    // The default (1000, 5 units) is off sale: the product is listed at Slate's 1100 with Slate's 0 units.
    expect(archived.product).toMatchObject({ priceCents: 1100, stock: 0 });
    expect(idsOf(await search({ query: "wombat", maxPriceCents: 1000 }))).toEqual([]);
    expect(idsOf(await search({ query: "wombat", minPriceCents: 1100, maxPriceCents: 1100 }))).toEqual([shirt.id]);
    expect(idsOf(await search({ query: "wombat", inStockOnly: true }))).toEqual([]);
    const restored = await bed.service.restoreVariant(ochre!.id);
    expect(restored.product).toMatchObject({ priceCents: 1000, stock: 5 });
    expect(idsOf(await search({ query: "wombat", inStockOnly: true }))).toEqual([shirt.id]);
  });

  it("refuses to archive the product's last variant on sale (LAST_VARIANT_ON_SALE), writing nothing", async () => {
    const single = await bed.service.createProduct({
      name: "Single",
      description: "",
      priceCents: 500,
      currency: "",
      categoryId: "",
      stock: 2,
    });
    expect(await rejection(bed.service.archiveVariant(single.id))).toMatchObject({
      code: "FAILED_PRECONDITION",
      reason: "LAST_VARIANT_ON_SALE",
      field: "id",
    });
    const pair = await createShirt("Pair Shirt", ["Red", "Blue"]);
    await bed.service.archiveVariant(pair.variants[0]!.id);
    expect(await rejection(bed.service.archiveVariant(pair.variants[1]!.id))).toMatchObject({
      reason: "LAST_VARIANT_ON_SALE",
    });
    const after = await bed.service.getProduct(pair.id);
    expect(after.variants.map((variant) => variant.archivedAt !== null)).toEqual([true, false]);
    expect(after.stock).toBe(6);
    expect((await eventsOf(single.id)).map((event) => event.name)).toEqual(["product.created"]);
  });

  it("race: two admins archiving a product's two variants at once: one wins, one is refused, one stays on sale", async () => {
    for (let round = 0; round < 10; round++) {
      const pair = await createShirt(`Race Shirt ${round}`, ["Red", "Blue"]);
      const outcomes = await Promise.allSettled(pair.variants.map((variant) => bed.service.archiveVariant(variant.id)));
      expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
      const refused = outcomes.find((outcome) => outcome.status === "rejected");
      expect(refused?.reason).toMatchObject({ reason: "LAST_VARIANT_ON_SALE" });
      const onSale = (await bed.service.getProduct(pair.id)).variants.filter((variant) => variant.archivedAt === null);
      expect(onSale).toHaveLength(1);
    }
  });

  it("records product.variant_archived and product.variant_restored once each; repeating changes nothing", async () => {
    const shirt = await createShirt("Evented Shirt", ["Red", "Blue"]);
    const blue = shirt.variants[1]!;
    const first = await bed.service.archiveVariant(blue.id);
    expect((await bed.service.archiveVariant(blue.id)).variant.archivedAt).toEqual(first.variant.archivedAt);
    await bed.service.restoreVariant(blue.id);
    await bed.service.restoreVariant(blue.id);
    const events = await eventsOf(shirt.id);
    expect(events.map((event) => event.name)).toEqual([
      "product.created",
      "product.variant_archived",
      "product.variant_restored",
    ]);
    expect(events[1]!.data).toEqual({
      productId: shirt.id,
      variantId: blue.id,
      sku: blue.sku,
      archivedAt: first.variant.archivedAt!.toISOString(),
      stock: 5,
    });
    expect(events[2]!.data).toEqual({ productId: shirt.id, variantId: blue.id, sku: blue.sku, stock: 11 });
  });

  it("answers NOT_FOUND VARIANT_NOT_FOUND for an unknown variant and INVALID_ARGUMENT for a malformed id", async () => {
    expect(await rejection(bed.service.archiveVariant(newId()))).toMatchObject({
      code: "NOT_FOUND",
      reason: "VARIANT_NOT_FOUND",
      field: "id",
    });
    expect(await rejection(bed.service.restoreVariant("nope"))).toMatchObject({
      code: "INVALID_ARGUMENT",
      field: "id",
    });
  });

  it("refuses to reserve an archived variant (VARIANT_ARCHIVED, field variantId), taking nothing of any line", async () => {
    const shirt = await createShirt("Reserved Shirt", ["Red", "Blue"]);
    const [red, blue] = shirt.variants;
    await bed.service.archiveVariant(blue!.id);
    const orderId = newId();
    const refused = await rejection(
      bed.service.reserveStock({
        orderId,
        lines: [
          { productId: shirt.id, variantId: red!.id, quantity: 2 },
          { productId: shirt.id, variantId: blue!.id, quantity: 1 },
        ],
      }),
    );
    expect(refused).toMatchObject({ code: "FAILED_PRECONDITION", reason: "VARIANT_ARCHIVED", field: "variantId" });
    expect(refused.message).toContain(blue!.id);
    expect([await variantStock(red!.id), await variantStock(blue!.id)]).toEqual([5, 6]);
    expect(await bed.database.query("SELECT 1 FROM reservations WHERE order_id = $1", [orderId])).toMatchObject({
      rowCount: 0,
    });
    // The variant on sale alone is reserved; once restored, the archived one is too.
    await bed.service.reserveStock({
      orderId: newId(),
      lines: [{ productId: shirt.id, variantId: red!.id, quantity: 2 }],
    });
    await bed.service.restoreVariant(blue!.id);
    await bed.service.reserveStock({ orderId, lines: [{ productId: shirt.id, variantId: blue!.id, quantity: 1 }] });
    expect((await bed.service.getProduct(shirt.id)).stock).toBe(3 + 5);
  });

  it("an archived variant's units adjusted or released stay out of the product's stock until it is restored", async () => {
    const shirt = await createShirt("Released Shirt", ["Red", "Blue"]);
    const blue = shirt.variants[1]!;
    const orderId = newId();
    await bed.service.reserveStock({ orderId, lines: [{ productId: shirt.id, variantId: blue.id, quantity: 4 }] });
    expect((await bed.service.archiveVariant(blue.id)).product.stock).toBe(5);
    await bed.service.releaseReservation(orderId);
    expect((await bed.service.adjustStock({ productId: shirt.id, variantId: blue.id, delta: 3 })).stock).toBe(5);
    expect(await variantStock(blue.id)).toBe(6 + 3);
    expect((await bed.service.restoreVariant(blue.id)).product.stock).toBe(5 + 9);
  });

  it("race: an archive among many concurrent reservations of the variant lets each reserve before it or be refused; sums hold", async () => {
    const shirt = await bed.service.createProduct({
      name: "Contested Shirt",
      description: "",
      priceCents: 0,
      currency: "",
      categoryId: "",
      stock: 0,
      variants: ["Red", "Blue"].map((colour) => ({
        sku: `${colour}-${newId().slice(-12)}`.toUpperCase(),
        options: [{ name: "Colour", value: colour }],
        priceCents: 1000,
        currency: "USD",
        stock: 1_000,
      })),
    });
    const [red, blue] = shirt.variants;
    // Single-variant reservations and two-variant ones (the archived one beside one on sale).
    const reserve = (index: number) =>
      bed.service.reserveStock({
        orderId: newId(),
        lines:
          index % 2 === 0
            ? [{ productId: shirt.id, variantId: blue!.id, quantity: 1 }]
            : [
                { productId: shirt.id, variantId: blue!.id, quantity: 2 },
                { productId: shirt.id, variantId: red!.id, quantity: 1 },
              ],
      });
    const { reserved, unitsOf } = await raceReservationsWithArchive(
      reserve,
      () => bed.service.archiveVariant(blue!.id),
      "VARIANT_ARCHIVED",
    );
    // Every reservation that succeeded took its stock before the archive: its event precedes the archive's.
    const events = await eventsOf(shirt.id);
    const archiveEvent = events.find((event) => event.name === "product.variant_archived")!;
    const stockEvents = events.filter(
      (event) => event.name === "product.stock_changed" && event.data.variantId === blue!.id,
    );
    expect(stockEvents).toHaveLength(reserved.length);
    expect(stockEvents.every((event) => event.id < archiveEvent.id)).toBe(true);
    // Sums per variant: stock lost exactly the reserved units; the product counts only the variant on sale.
    expect(await variantStock(blue!.id)).toBe(1_000 - unitsOf(blue!.id));
    expect(await variantStock(red!.id)).toBe(1_000 - unitsOf(red!.id));
    const held = await bed.database.query<{ variant_id: string; units: number }>(
      "SELECT variant_id, sum(quantity)::int AS units FROM reservation_lines WHERE product_id = $1 GROUP BY variant_id",
      [shirt.id],
    );
    const heldUnits = new Map(held.rows.map((row) => [row.variant_id, row.units]));
    expect(heldUnits.get(blue!.id)).toBe(unitsOf(blue!.id));
    expect(heldUnits.get(red!.id) ?? 0).toBe(unitsOf(red!.id));
    expect((await bed.service.getProduct(shirt.id)).stock).toBe(1_000 - unitsOf(red!.id));
  });
});
