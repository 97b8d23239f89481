import type { Product, ProductClient } from "@polyscale/product";
import { failedPrecondition, notFound, type Queryable, type RequestContext } from "@polyscale/platform";
import type { Order } from "./model.js";
import * as repository from "./repository.js";

/** Reads shared by the cart, the placement and the payments: products from the product service, orders stored here. */

/** The products by id, from one GetProducts call; ids that do not exist are absent. */
export async function productsById(
  context: RequestContext,
  products: ProductClient,
  productIds: string[],
): Promise<Map<string, Product>> {
  const response = await products.getProducts({ ids: productIds }, context);
  return new Map(response.products.map((product) => [product.id, product]));
}

/** The products by id, from one GetProducts call; NOT_FOUND PRODUCT_NOT_FOUND naming the first id that does not exist. */
export async function requireProductsExist(
  context: RequestContext,
  products: ProductClient,
  productIds: string[],
): Promise<Map<string, Product>> {
  const found = await productsById(context, products, productIds);
  const missing = productIds.find((id) => !found.has(id));
  if (missing) throw notFound("PRODUCT_NOT_FOUND", `product ${missing} does not exist`, "productId");
  return found;
}

/**
 * The products by id, as requireProductsExist, and every one on sale: FAILED_PRECONDITION PRODUCT_ARCHIVED naming the
 * first archived one. A quick refusal for carts and checkout; the reservation refuses an archived product again, in
 * the statement that takes its stock, so a product archived after this read is still never sold.
 */
export async function requireProductsOnSale(
  context: RequestContext,
  products: ProductClient,
  productIds: string[],
): Promise<Map<string, Product>> {
  const found = await requireProductsExist(context, products, productIds);
  const archived = productIds.find((id) => found.get(id)!.archivedAt !== undefined);
  if (archived) {
    throw failedPrecondition("PRODUCT_ARCHIVED", `product ${archived} is archived and no longer for sale`, "productId");
  }
  return found;
}

/** The order with its lines and payments; NOT_FOUND ORDER_NOT_FOUND (field `id`) when there is none. */
export async function requireOrder(db: Queryable, id: string): Promise<Order> {
  const order = await repository.findOrder(db, id);
  if (!order) throw notFound("ORDER_NOT_FOUND", `order ${id} does not exist`, "id");
  return order;
}
