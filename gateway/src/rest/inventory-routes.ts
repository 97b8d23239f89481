import * as domain from "../domain/index.js";
import { optionalString, queryInteger, requiredInteger } from "./input.js";
import { bearer, bodyOf, idParameter, queryParameter, ref, responses } from "./openapi.js";
import { int32Count, schemas } from "./schemas/index.js";
import { ok, type Route } from "./router.js";

const stockTake = queryParameter(
  "take",
  "Without productIds: how many of the products holding the most units (0 or absent means 20, more than 100 is capped).",
  { ...int32Count, default: 20 },
);

/** Stock (tag catalog; admins only): adjusting a variant's stock on hand, and the stock levels per product. */
export function inventoryRoutes(): Route[] {
  return [
    {
      method: "POST",
      path: "/product/{id}/stock",
      operation: {
        operationId: "adjustStock",
        tags: ["catalog"],
        summary: "Add units to (or, negative, take them from) a variant's stock on hand (admins only)",
        security: bearer,
        parameters: [idParameter("id", "Product id")],
        requestBody: bodyOf("StockAdjustment"),
        responses: responses(
          { status: 200, description: "The product with the new stock", schema: ref("Product") },
          [400, 401, 403, 404, 409, 413],
        ),
      },
      async handle(context, request) {
        const body = await request.jsonBody();
        const product = await domain.adjustStock(context, {
          productId: request.params.id!,
          delta: requiredInteger(body, schemas.StockAdjustment, "delta"),
          variantId: optionalString(body, "variantId"),
        });
        return ok(product);
      },
    },
    {
      method: "GET",
      path: "/admin/stock",
      operation: {
        operationId: "stockLevels",
        tags: ["catalog"],
        summary: "Stock on hand, available, held by unpaid orders and sold, per product (admins)",
        security: bearer,
        parameters: [
          queryParameter("productIds", "Comma-separated product ids (at most 1000); unknown ids are left out.", {
            type: "string",
          }),
          stockTake,
        ],
        responses: responses(
          { status: 200, description: "Stock levels", schema: { type: "array", items: ref("StockLevel") } },
          [400, 401, 403],
        ),
      },
      async handle(context, request) {
        const ids = request.query.get("productIds");
        const levels = await domain.listStockLevels(context, {
          productIds: ids ? ids.split(",") : [],
          take: queryInteger(request.query, stockTake) ?? 0,
        });
        return ok(levels);
      },
    },
  ];
}
