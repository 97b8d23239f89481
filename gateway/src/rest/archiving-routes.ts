import * as domain from "../domain/index.js";
import { bearer, idParameter, ref, responses } from "./openapi.js";
import { ok, type Route } from "./router.js";

/**
 * POST /product/{id}/archive or /restore, /variants/{id}/archive or /restore (operationId archiveProduct,
 * restoreProduct, archiveVariant, restoreVariant, as the GraphQL mutations); each answers the product.
 */
function archivingRoute(target: "product" | "variant", action: "archive" | "restore", summary: string): Route {
  const errors = target === "product" ? ([400, 401, 403, 404] as const) : ([400, 401, 403, 404, 409] as const);
  return {
    method: "POST",
    path: target === "product" ? `/product/{id}/${action}` : `/variants/{id}/${action}`,
    operation: {
      operationId: `${action}${target === "product" ? "Product" : "Variant"}`,
      tags: ["catalog"],
      summary: `${summary}; idempotent`,
      security: bearer,
      parameters: [idParameter("id", target === "product" ? "Product id" : "Variant id")],
      responses: responses({ status: 200, description: "The product", schema: ref("Product") }, [...errors]),
    },
    async handle(context, request) {
      const id = request.params.id!;
      const archived = action === "archive";
      return ok(
        target === "product"
          ? await domain.setProductArchived(context, id, archived)
          : (await domain.setVariantArchived(context, id, archived)).product,
      );
    },
  };
}

/** Taking products and variants off sale and putting them on sale again (tag catalog; admins only). */
export function archivingRoutes(): Route[] {
  return [
    archivingRoute(
      "product",
      "archive",
      "Take a product off sale (admins only): out of search and new carts, refused by checkout",
    ),
    archivingRoute("product", "restore", "Put an archived product on sale again (admins only)"),
    archivingRoute(
      "variant",
      "archive",
      "Take one variant off sale (admins only): out of search, option filters and facets and new carts, refused by " +
        "checkout; 409 LAST_VARIANT_ON_SALE for the product's last variant on sale (archive the product)",
    ),
    archivingRoute("variant", "restore", "Put an archived variant on sale again (admins only)"),
  ];
}
