import { accountRoutes } from "./account-routes.js";
import { addressRoutes } from "./address-routes.js";
import { archivingRoutes } from "./archiving-routes.js";
import { cartRoutes } from "./cart-routes.js";
import { categoryRoutes } from "./category-routes.js";
import { inventoryRoutes } from "./inventory-routes.js";
import { orderRoutes } from "./order-routes.js";
import { paymentRoutes } from "./payment-routes.js";
import { productRoutes } from "./product-routes.js";
import type { Route } from "./router.js";
import { searchRoutes } from "./search-routes.js";
import { sessionRoutes } from "./session-routes.js";
import { variantRoutes } from "./variant-routes.js";
import { paymentWebhookRoute } from "./webhooks.js";

/** Every REST route, each with the operation /openapi.json describes it by (openApiDocument). */
export function restRoutes(options: { paymentWebhookSecret: string }): Route[] {
  return [
    ...accountRoutes(),
    ...addressRoutes(),
    ...sessionRoutes(),
    // The catalog's. A 405's Allow lists a path's methods in this table's order (PATCH, GET for /product/{id}).
    ...productRoutes(),
    ...variantRoutes(),
    ...archivingRoutes(),
    ...inventoryRoutes(),
    ...searchRoutes(),
    ...categoryRoutes(),
    ...cartRoutes(),
    ...orderRoutes(),
    ...paymentRoutes(),
    paymentWebhookRoute(options.paymentWebhookSecret),
  ];
}
