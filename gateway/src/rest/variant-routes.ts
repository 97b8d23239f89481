import type { NewVariant, VariantOption } from "@polyscale/product";
import * as domain from "../domain/index.js";
import {
  asObject,
  optionalInteger,
  optionalString,
  requiredArray,
  requiredInteger,
  requiredString,
  underRestNames,
  within,
} from "./input.js";
import { bearer, bodyOf, idParameter, ref, responses } from "./openapi.js";
import { schemas } from "./schemas/index.js";
import { created, ok, type Route } from "./router.js";

/** The name/value pairs of a body's `field` array (a variant's options, a product's attributes), each two strings. */
export function optionsOf(body: Record<string, unknown>, field = "options"): VariantOption[] {
  return requiredArray(body, field).map((item, index) => {
    const option = asObject(item, `${field}[${index}]`);
    return within(`${field}[${index}]`, () => ({
      name: requiredString(option, "name"),
      value: requiredString(option, "value"),
    }));
  });
}

/** A NewVariant body as the product service takes it: absent fields are its defaults. */
export function newVariantOf(body: Record<string, unknown>, defaultCurrency: string): NewVariant {
  return {
    sku: optionalString(body, "sku") ?? "",
    options: body.options === undefined || body.options === null ? [] : optionsOf(body),
    priceCents: requiredInteger(body, schemas.NewVariant, "priceCents"),
    currency: optionalString(body, "currency") ?? defaultCurrency,
    stock: optionalInteger(body, schemas.NewVariant, "stock") ?? 0,
  };
}

/** The REST face of a product's variants (tag catalog): adding one and changing one; each answers the product. */
export function variantRoutes(): Route[] {
  return [
    {
      method: "POST",
      path: "/product/{id}/variants",
      operation: {
        operationId: "addVariant",
        tags: ["catalog"],
        summary: "Add a variant to a product (admins only); 409 SKU_TAKEN (field sku) when its SKU is taken",
        security: bearer,
        parameters: [idParameter("id", "Product id")],
        requestBody: bodyOf("NewVariant"),
        responses: responses(
          { status: 201, description: "The product with its new variant", schema: ref("Product") },
          [400, 401, 403, 404, 409, 413],
        ),
      },
      async handle(context, request) {
        const body = await request.jsonBody();
        const added = await underRestNames(
          domain.addVariant(context, {
            productId: request.params.id!,
            variant: newVariantOf(body, context.defaultCurrency),
          }),
          // The product service names the fields of GraphQL's `variant` argument (variant.stock); here they are the body's.
          (field) => (field.startsWith("variant.") ? field.slice("variant.".length) : undefined),
        );
        return created(added.product);
      },
    },
    {
      method: "PATCH",
      path: "/variants/{id}",
      operation: {
        operationId: "updateVariant",
        tags: ["catalog"],
        summary: "Change a variant's SKU, option values, price or currency (admins only)",
        security: bearer,
        parameters: [idParameter("id", "Variant id")],
        requestBody: bodyOf("VariantChanges"),
        responses: responses(
          { status: 200, description: "The product with the changed variant", schema: ref("Product") },
          [400, 401, 403, 404, 409, 413],
        ),
      },
      async handle(context, request) {
        const body = await request.jsonBody();
        const updated = await domain.updateVariant(context, {
          id: request.params.id!,
          sku: optionalString(body, "sku"),
          options: body.options === undefined || body.options === null ? undefined : optionsOf(body),
          priceCents: optionalInteger(body, schemas.VariantChanges, "priceCents"),
          currency: optionalString(body, "currency"),
        });
        return ok(updated.product);
      },
    },
  ];
}
