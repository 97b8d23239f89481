/**
 * The component schemas of the OpenAPI document (rest/openapi.ts), one file per domain: every body the REST API takes
 * and answers; fields.ts holds the field shapes they share (money, counts, instants, a line's quantity). The routes
 * read integers with these schemas (rest/input.ts), so a field's width and range are stated once.
 */
import { accountSchemas } from "./accounts.js";
import { addressSchemas } from "./addresses.js";
import { cartSchemas } from "./cart.js";
import { catalogSchemas } from "./catalog.js";
import { errorSchemas } from "./errors.js";
import { orderSchemas } from "./orders.js";
import { paymentSchemas } from "./payments.js";
import { searchSchemas } from "./search.js";

/**
 * The component schemas of the OpenAPI document (rest/openapi.ts), one file per domain: every body the REST API takes and answers, and the
 * field shapes they share (money, counts, instants, postal addresses). The routes read integers with these schemas
 * (rest/input.ts), so a field's width and range are stated once.
 */

export { int32Count, safeInteger, schemaRef, variantIdProperty, type IntegerSchema } from "./fields.js";

/** The document's component schemas; routes name them with ref() and read their integer fields with them. */
export const schemas = {
  ...addressSchemas,
  ...errorSchemas,
  ...accountSchemas,
  ...catalogSchemas,
  ...searchSchemas,
  ...cartSchemas,
  ...orderSchemas,
  ...paymentSchemas,
} as const;
