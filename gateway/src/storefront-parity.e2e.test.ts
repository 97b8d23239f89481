import { accountsFlow } from "./test-storefront-accounts.js";
import { addressesFlow } from "./test-storefront-addresses.js";
import { cartFlow } from "./test-storefront-cart.js";
import { catalogueFlow } from "./test-storefront-catalogue.js";
import { guestCartsFlow } from "./test-storefront-guest-carts.js";
import { describeParity, useParityShop } from "./test-storefront-parity.js";
import { productsFlow } from "./test-storefront-products.js";

/**
 * One suite, both skins: every storefront flow runs through GraphQL and through REST against one running system, and
 * both must answer the same (test-storefront-parity.ts says how they are compared). Each flow's calls and steps are in
 * a file of their own (test-storefront-<flow>.ts); they share this file's system and catalog, so the suite starts one
 * system, not one per flow.
 */

const catalog = useParityShop();

describeParity(accountsFlow, catalog);
describeParity(catalogueFlow, catalog);
describeParity(cartFlow, catalog);
describeParity(guestCartsFlow, catalog);
describeParity(addressesFlow, catalog);
describeParity(productsFlow, catalog);
