import { failedPrecondition, recordEvents, requireId, type Database } from "@polyscale/platform";
import { archiveChanged, variantArchiveChanged } from "./events.js";
import { productNotFound, variantNotFound } from "./client.js";
import type { Product, ProductVariant } from "./model.js";
import * as repository from "./repository.js";

export interface ArchivingServiceOptions {
  database: Database;
}

/** Taking products, or single variants, off sale and putting them back; nothing an order refers to is ever deleted. */
export class ArchivingService {
  private readonly database: Database;

  constructor(options: ArchivingServiceOptions) {
    this.database = options.database;
  }

  /** Takes the product off sale; see setArchived. */
  archiveProduct(id: string): Promise<Product> {
    return this.setArchived(id, true);
  }

  /** Puts an archived product on sale again; see setArchived. */
  restoreProduct(id: string): Promise<Product> {
    return this.setArchived(id, false);
  }

  /** Takes one variant off sale; see setVariantArchived. */
  archiveVariant(id: string): Promise<ProductVariant> {
    return this.setVariantArchived(id, true);
  }

  /** Puts an archived variant on sale again; see setVariantArchived. */
  restoreVariant(id: string): Promise<ProductVariant> {
    return this.setVariantArchived(id, false);
  }

  /**
   * Takes the product off sale (archived true) or puts it on sale again (false), recording product.archived or
   * product.restored. Archived, it leaves listings and search (both engines follow the event) and reservations refuse
   * it (repository.reserveStock); it is still read by id, so carts and orders that hold it keep showing it. Nothing is
   * deleted. Idempotent: a product already in that state is returned as it is, with no event. NOT_FOUND
   * PRODUCT_NOT_FOUND (field id) for an unknown product.
   */
  private async setArchived(id: string, archived: boolean): Promise<Product> {
    const productId = requireId("id", id);
    const outcome = await this.database.transaction(async (tx) => {
      const change = await repository.setArchived(tx, productId, archived);
      if (change?.changed) await recordEvents(tx, [archiveChanged(change.product)]);
      return change;
    });
    if (!outcome) throw productNotFound(productId, "id");
    return outcome.product;
  }

  /**
   * Takes one variant off sale (archived true) or puts it on sale again (false), recording product.variant_archived
   * or product.variant_restored. Archived, its option values leave search filters and facets and its units the
   * product's stock (sql/250; Elasticsearch follows the event), reservations refuse it (FAILED_PRECONDITION
   * VARIANT_ARCHIVED), and it stays in the product's variants with archivedAt, so carts and orders that hold it keep
   * showing it. Idempotent: a variant already in that state is returned as it is, with no event. NOT_FOUND
   * VARIANT_NOT_FOUND (field id); FAILED_PRECONDITION LAST_VARIANT_ON_SALE (field id) for the product's only variant
   * on sale: a product on sale always has something to sell, and archiveProduct takes a whole product off sale.
   */
  private async setVariantArchived(id: string, archived: boolean): Promise<ProductVariant> {
    const variantId = requireId("id", id);
    const outcome = await this.database.transaction(async (tx) => {
      const change = await repository.setVariantArchived(tx, variantId, archived);
      if (change.kind === "done" && change.changed) {
        await recordEvents(tx, [variantArchiveChanged(change.product, change.variant)]);
      }
      return change;
    });
    switch (outcome.kind) {
      case "notFound":
        throw variantNotFound(variantId, "id");
      case "lastOnSale":
        throw failedPrecondition(
          "LAST_VARIANT_ON_SALE",
          `variant ${variantId} is the only one of product ${outcome.product.id} on sale: archive the product instead`,
          "id",
        );
      case "done":
        return { product: outcome.product, variant: outcome.variant };
    }
  }
}
