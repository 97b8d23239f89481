import { productNotFound } from "@polyscale/product";
import * as domain from "../domain/index.js";
import {
  asObject,
  optionalInteger,
  optionalString,
  requiredArray,
  requiredInteger,
  requiredString,
  within,
} from "./input.js";
import { anonymous, bearer, bodyOf, idParameter, ref, responses } from "./openapi.js";
import { schemas } from "./schemas/index.js";
import { created, ok, type Route } from "./router.js";
import { newVariantOf, optionsOf } from "./variant-routes.js";

/**
 * The REST face of products (tag catalog): creating one with its variants and attributes, changing it, reading it
 * and replacing its images; prices in integer minor units.
 */
export function productRoutes(): Route[] {
  return [
    {
      method: "POST",
      path: "/product",
      operation: {
        operationId: "createProduct",
        tags: ["catalog"],
        summary: "Create a product (admins only)",
        security: bearer,
        requestBody: bodyOf("NewProduct"),
        responses: responses(
          { status: 201, description: "The new product", schema: ref("Product") },
          [400, 401, 403, 413],
        ),
      },
      async handle(context, request) {
        const body = await request.jsonBody();
        const product = await domain.createProduct(context, {
          name: requiredString(body, "name"),
          description: requiredString(body, "description"),
          priceCents: requiredInteger(body, schemas.NewProduct, "priceCents"),
          currency: optionalString(body, "currency"),
          categoryId: optionalString(body, "categoryId"),
          stock: optionalInteger(body, schemas.NewProduct, "stock"),
          variants:
            body.variants === undefined || body.variants === null
              ? undefined
              : requiredArray(body, "variants").map((item, index) => {
                  const variant = asObject(item, `variants[${index}]`);
                  // A variant without a currency is in the product's.
                  const currency = optionalString(body, "currency") ?? context.defaultCurrency;
                  return within(`variants[${index}]`, () => newVariantOf(variant, currency));
                }),
          attributes:
            body.attributes === undefined || body.attributes === null ? undefined : optionsOf(body, "attributes"),
        });
        return created(product);
      },
    },
    {
      method: "PATCH",
      path: "/product/{id}",
      operation: {
        operationId: "updateProduct",
        tags: ["catalog"],
        summary: "Change a product's name, description, price, currency, category or attributes (admins only)",
        security: bearer,
        parameters: [idParameter("id", "Product id")],
        requestBody: bodyOf("ProductChanges"),
        responses: responses(
          { status: 200, description: "The changed product", schema: ref("Product") },
          [400, 401, 403, 404, 413],
        ),
      },
      async handle(context, request) {
        const body = await request.jsonBody();
        const product = await domain.updateProduct(context, {
          id: request.params.id!,
          name: optionalString(body, "name"),
          description: optionalString(body, "description"),
          priceCents: optionalInteger(body, schemas.ProductChanges, "priceCents"),
          currency: optionalString(body, "currency"),
          categoryId: optionalString(body, "categoryId"),
          attributes:
            body.attributes === undefined || body.attributes === null
              ? undefined
              : { attributes: optionsOf(body, "attributes") },
        });
        return ok(product);
      },
    },
    {
      method: "GET",
      path: "/product/{id}",
      operation: {
        operationId: "product",
        tags: ["catalog"],
        summary: "One product",
        security: anonymous,
        parameters: [idParameter("id", "Product id")],
        responses: responses({ status: 200, description: "The product", schema: ref("Product") }, [400, 404]),
      },
      async handle(context, request) {
        const id = request.params.id!;
        const product = await domain.getProduct(context, id);
        if (!product) throw productNotFound(id, "id");
        return ok(await domain.shownProduct(context, product));
      },
    },
    {
      method: "POST",
      path: "/product/{id}/images",
      operation: {
        operationId: "setProductImages",
        tags: ["catalog"],
        summary: "Replace a product's images, in display order (admins only); reorder by sending them reordered",
        security: bearer,
        parameters: [idParameter("id", "Product id")],
        requestBody: bodyOf("ProductImages"),
        responses: responses(
          { status: 200, description: "The product with its images", schema: ref("Product") },
          [400, 401, 403, 404, 413],
        ),
      },
      async handle(context, request) {
        const body = await request.jsonBody();
        const images = requiredArray(body, "images").map((value, index) => {
          const image = asObject(value, `images[${index}]`);
          return within(`images[${index}]`, () => ({
            url: requiredString(image, "url"),
            alt: optionalString(image, "alt"),
            variantId: optionalString(image, "variantId"),
          }));
        });
        return ok(await domain.setProductImages(context, request.params.id!, images));
      },
    },
  ];
}
