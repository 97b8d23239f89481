import { domainEvent, type DomainEvent } from "@polyscale/platform";
import type { Product, Variant } from "./model.js";

/**
 * The events the product service writes to its outbox (catalogue: proto/polyscale/events/v1/events.proto). Each is
 * written in the transaction of the change it reports, after the product's row was locked or created.
 */

export function productChanged(
  name: "product.created" | "product.updated",
  product: Omit<Product, "variants">,
): DomainEvent {
  return domainEvent(name, product.id, {
    productId: product.id,
    name: product.name,
    description: product.description,
    priceCents: product.priceCents,
    currency: product.currency,
    categoryId: product.categoryId ?? "",
    stock: product.stock,
  });
}

/**
 * product.stock_changed of one variant, its subject the product: stock is the product's units available after the
 * change (over all its variants), variantStock the variant's.
 */
export function stockChanged(change: {
  productId: string;
  variantId: string;
  sku: string;
  stock: number;
  variantStock: number;
  delta: number;
  cause: "adjusted" | "reserved" | "released";
  orderId?: string;
}): DomainEvent {
  return domainEvent("product.stock_changed", change.productId, {
    productId: change.productId,
    variantId: change.variantId,
    sku: change.sku,
    stock: change.stock,
    variantStock: change.variantStock,
    delta: change.delta,
    cause: change.cause,
    orderId: change.orderId ?? "",
  });
}

/** product.archived (archivedAt set) or product.restored (archivedAt null). */
export function archiveChanged(product: Product): DomainEvent {
  return product.archivedAt
    ? domainEvent("product.archived", product.id, { productId: product.id, archivedAt: product.archivedAt })
    : domainEvent("product.restored", product.id, { productId: product.id, archivedAt: undefined });
}

/**
 * product.variant_archived (the variant's archivedAt set) or product.variant_restored (null), its subject the product
 * (so search follows, as for any product event); stock is the product's units on sale after the change.
 */
export function variantArchiveChanged(product: Product, variant: Variant): DomainEvent {
  const data = { productId: product.id, variantId: variant.id, sku: variant.sku, stock: product.stock };
  return variant.archivedAt
    ? domainEvent("product.variant_archived", product.id, { ...data, archivedAt: variant.archivedAt })
    : domainEvent("product.variant_restored", product.id, { ...data, archivedAt: undefined });
}
