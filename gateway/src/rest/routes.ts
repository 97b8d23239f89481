import { accountRoutes } from "./account-routes.js";
import { addressRoutes } from "./address-routes.js";
import { cartRoutes } from "./cart-routes.js";
import { catalogRoutes } from "./catalog-routes.js";
import { orderRoutes } from "./order-routes.js";
import { paymentRoutes } from "./payment-routes.js";
import type { Route } from "./router.js";
import { sessionRoutes } from "./session-routes.js";
import { paymentWebhookRoute } from "./webhooks.js";

/** Every REST route, each with the operation /openapi.json describes it by (openApiDocument). */
export function restRoutes(options: { paymentWebhookSecret: string }): Route[] {
  return [
    ...accountRoutes(),
    ...addressRoutes(),
    ...sessionRoutes(),
    ...catalogRoutes(),
    ...cartRoutes(),
    ...orderRoutes(),
    ...paymentRoutes(),
    paymentWebhookRoute(options.paymentWebhookSecret),
  ];
}
