import { recordEvents, requireId, type Database } from "@polyscale/platform";
import { productNotFound } from "./lookups.js";
import { archiveChanged } from "./events.js";
import type { Product } from "./model.js";
import * as repository from "./repository.js";

export interface ArchiveServiceOptions {
  database: Database;
}

/** Taking products off sale and putting them back; nothing an order refers to is ever deleted. */
export class ArchiveService {
  private readonly database: Database;

  constructor(options: ArchiveServiceOptions) {
    this.database = options.database;
  }

  /**
   * Takes the product off sale (archived true) or puts it on sale again (false), recording product.archived or
   * product.restored. Archived, it leaves listings and search (both engines follow the event) and reservations refuse
   * it (repository.reserveStock); it is still read by id, so carts and orders that hold it keep showing it. Nothing is
   * deleted. Idempotent: a product already in that state is returned as it is, with no event. NOT_FOUND
   * PRODUCT_NOT_FOUND (field id) for an unknown product.
   */
  async setArchived(id: string, archived: boolean): Promise<Product> {
    const productId = requireId("id", id);
    const outcome = await this.database.transaction(async (tx) => {
      const change = await repository.setArchived(tx, productId, archived);
      if (change?.changed) await recordEvents(tx, [archiveChanged(change.product)]);
      return change;
    });
    if (!outcome) throw productNotFound(productId, "id");
    return outcome.product;
  }
}
