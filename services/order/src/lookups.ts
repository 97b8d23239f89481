import { productNotFound, variantNotFound, type Product, type ProductClient, type Variant } from "@polyscale/product";
import { failedPrecondition, requireId, type AppError, type Queryable, type RequestContext } from "@polyscale/platform";
import { orderNotFound } from "./client.js";
import type { Order, ProductVariant } from "./model.js";
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

/** The variant of `product` with this id (the default variant's is the product's), if it is one of its variants. */
export function variantOf(product: Product, variantId: string): Variant | undefined {
  return product.variants.find((variant) => variant.id === variantId);
}

/**
 * The product and variant of each line, keyed by variant id, from one GetProducts call, every one on sale: NOT_FOUND
 * PRODUCT_NOT_FOUND (field productId) for a product that does not exist, NOT_FOUND VARIANT_NOT_FOUND (field
 * variantId) for a variant that is not one of its product's, and saleRefusal's error for an archived one, each naming
 * the first such line. A quick refusal for carts and checkout; the reservation refuses an archived product or variant
 * again, in the statement that takes its stock, so one archived after this read is still never sold.
 */
export async function requireVariantsOnSale(
  context: RequestContext,
  products: ProductClient,
  lines: ReadonlyArray<{ productId: string; variantId: string }>,
): Promise<Map<string, ProductVariant>> {
  const variants = await requireVariants(context, products, lines);
  const refusal = saleRefusal(variants, lines);
  if (refusal) throw refusal;
  return variants;
}

/** requireVariantsOnSale without the sale check: archived products and variants are returned too. */
export async function requireVariants(
  context: RequestContext,
  products: ProductClient,
  lines: ReadonlyArray<{ productId: string; variantId: string }>,
): Promise<Map<string, ProductVariant>> {
  const found = await productsById(context, products, [...new Set(lines.map((line) => line.productId))]);
  const variants = new Map<string, ProductVariant>();
  for (const { productId, variantId } of lines) {
    const product = found.get(productId);
    if (!product) throw productNotFound(productId, "productId");
    const variant = variantOf(product, variantId);
    if (!variant) throw variantNotFound(variantId, "variantId", productId);
    variants.set(variantId, { product, variant });
  }
  return variants;
}

/**
 * Why the first line that is not for sale is not, as the error to answer, or undefined when all are: FAILED_PRECONDITION
 * PRODUCT_ARCHIVED (field productId) for an archived product, VARIANT_ARCHIVED (field variantId, naming the SKU) for
 * an archived variant. `variants` holds every line's (requireVariants).
 */
export function saleRefusal(
  variants: ReadonlyMap<string, ProductVariant>,
  lines: ReadonlyArray<{ productId: string; variantId: string }>,
): AppError | undefined {
  const archived = lines.find((line) => variants.get(line.variantId)!.product.archivedAt !== undefined);
  if (archived) {
    return failedPrecondition(
      "PRODUCT_ARCHIVED",
      `product ${archived.productId} is archived and no longer for sale`,
      "productId",
    );
  }
  const archivedVariant = lines.find((line) => variants.get(line.variantId)!.variant.archivedAt !== undefined);
  if (archivedVariant) {
    const { sku } = variants.get(archivedVariant.variantId)!.variant;
    return failedPrecondition(
      "VARIANT_ARCHIVED",
      `variant ${archivedVariant.variantId} (SKU ${sku}) of product ${archivedVariant.productId} is archived and no ` +
        "longer for sale",
      "variantId",
    );
  }
  return undefined;
}

/**
 * The order with its lines and payments: INVALID_ARGUMENT on a malformed id, NOT_FOUND ORDER_NOT_FOUND without one,
 * both naming `field`, the contract field the id came in (`orderId` unless the request calls it otherwise, as
 * GetOrder's `id`).
 */
export async function requireOrder(db: Queryable, id: string, field = "orderId"): Promise<Order> {
  const order = await repository.findOrder(db, requireId(field, id));
  if (!order) throw orderNotFound(id, field);
  return order;
}
