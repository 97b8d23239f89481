import { instant, lineQuantity, money, schemaRef, units, variantIdProperty } from "./fields.js";

/** The cart as it is shown, and the bodies that add to it and change a line. */
export const cartSchemas = {
  Cart: {
    type: "object",
    properties: {
      accountId: { type: "string", description: "Empty for a guest cart." },
      cartToken: {
        type: "string",
        description: "Only in the answer of the add that created a guest cart: send it as X-Cart-Token from then on.",
      },
      lines: {
        type: "array",
        items: {
          type: "object",
          description: "One variant of a product, with the catalog's current values (not snapshots).",
          properties: {
            productId: { type: "string" },
            variantId: { type: "string", description: "The product's id for its default variant." },
            sku: { type: "string", description: "The variant's current SKU." },
            options: { type: "array", items: schemaRef("VariantOption") },
            name: { type: "string" },
            quantity: lineQuantity,
            unitPriceCents: money,
            lineTotalCents: money,
            currency: { type: "string" },
            inStock: {
              type: "boolean",
              description: "False when the units are short or the product or variant is archived.",
            },
            availableStock: units(
              "The variant's units available to sell now; 0 when the product or variant is archived.",
            ),
            archived: {
              type: "boolean",
              description:
                "The product or the variant is archived: the line stays, but checkout refuses it (PRODUCT_ARCHIVED, " +
                "VARIANT_ARCHIVED).",
            },
          },
        },
      },
      totalCents: money,
      currency: { type: "string", description: "Empty for an empty cart." },
      updatedAt: { ...instant, description: "Absent for a cart never written." },
    },
  },
  NewCartItem: {
    type: "object",
    additionalProperties: false,
    required: ["productId"],
    properties: {
      productId: { type: "string" },
      variantId: variantIdProperty,
      quantity: {
        ...lineQuantity,
        default: 1,
        description: "Added to the units the cart already holds of the variant; the line may hold at most the maximum.",
      },
    },
  },
  CartItemQuantity: {
    type: "object",
    additionalProperties: false,
    required: ["quantity"],
    properties: { quantity: lineQuantity },
  },
} as const;
