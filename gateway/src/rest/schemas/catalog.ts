import { LIMITS } from "@polyscale/platform";
import { instant, int32Count, money, schemaRef, units, variantIdProperty } from "./fields.js";

/** The catalog: products with their variants, images and attributes, categories, stock adjustments and levels. */
export const catalogSchemas = {
  Product: {
    type: "object",
    properties: {
      id: { type: "string" },
      name: { type: "string" },
      description: { type: "string" },
      priceCents: money,
      currency: { type: "string" },
      categoryId: { type: "string", description: "Empty when the product has no category." },
      stock: units("Units available to sell."),
      createdAt: instant,
      updatedAt: instant,
      archivedAt: {
        ...instant,
        description:
          "When the product was archived (off sale: out of search and new carts, refused by checkout); absent while " +
          "on sale.",
      },
      variants: {
        type: "array",
        description:
          "What is sold: at least one on sale, the default first (its id is the product's); priceCents and currency " +
          "are those of the first on sale (the default's unless it is archived), stock is theirs summed. Archived " +
          "variants are listed to admins only, with archivedAt.",
        items: schemaRef("Variant"),
      },
      images: {
        type: "array",
        items: schemaRef("ProductImage"),
        description:
          "In display order, the main image first; a variant's images too (variantId), but an archived variant's only " +
          "to admins.",
      },
      attributes: {
        type: "array",
        items: schemaRef("ProductAttribute"),
        description: "Free attributes (brand, material) by name; search filters (option) and facets include them.",
      },
    },
  },
  Variant: {
    type: "object",
    properties: {
      id: { type: "string" },
      productId: { type: "string" },
      sku: { type: "string", description: "Unique over the catalogue; upper-case." },
      options: { type: "array", items: schemaRef("VariantOption") },
      priceCents: money,
      currency: { type: "string" },
      stock: units("Units available to sell."),
      position: { ...int32Count, description: "0 for the default variant." },
      createdAt: instant,
      updatedAt: instant,
      archivedAt: {
        ...instant,
        description:
          "When the variant was archived (off sale: out of search and new carts, refused by checkout); absent while " +
          "on sale.",
      },
      images: {
        type: "array",
        items: schemaRef("ProductImage"),
        description: "The product's images that name this variant, in the product's order.",
      },
    },
  },
  ProductAttribute: {
    type: "object",
    additionalProperties: false,
    required: ["name", "value"],
    properties: { name: { type: "string", example: "Material" }, value: { type: "string", example: "Cotton" } },
  },
  VariantOption: {
    type: "object",
    additionalProperties: false,
    required: ["name", "value"],
    properties: { name: { type: "string", example: "Size" }, value: { type: "string", example: "M" } },
  },
  NewVariant: {
    type: "object",
    additionalProperties: false,
    required: ["sku", "priceCents"],
    properties: {
      sku: {
        type: "string",
        description:
          "Letters, digits, '.', '_', '-' (1-64), unique without regard to case, stored upper-case; a blank one is " +
          "400 naming it (only a product created without variants gets one made from its id).",
      },
      options: {
        type: "array",
        items: schemaRef("VariantOption"),
        description:
          "The same option names as the product's other variants (a default without options excepted); no two " +
          "variants of a product with the same values; no option named as one of the product's attributes.",
      },
      priceCents: { ...money, maximum: LIMITS.priceMinor },
      currency: { type: "string", description: "ISO 4217; defaults to the shop's DEFAULT_CURRENCY." },
      stock: { ...units("Initial stock."), maximum: LIMITS.stock, default: 0 },
    },
  },
  VariantChanges: {
    type: "object",
    additionalProperties: false,
    description: "Only the fields given change; options replace all of the variant's option values.",
    properties: {
      sku: { type: "string" },
      options: { type: "array", items: schemaRef("VariantOption") },
      priceCents: { ...money, maximum: LIMITS.priceMinor },
      currency: { type: "string" },
    },
  },
  ProductImage: {
    type: "object",
    properties: {
      url: { type: "string", format: "uri", description: "An absolute https URL." },
      alt: { type: "string", description: "Empty for a decorative image." },
      position: { type: "integer", minimum: 0, description: "From 0, the main image (of the product's list)." },
      variantId: {
        type: "string",
        description: "The variant the image shows (e.g. the red one); empty for an image of the product as a whole.",
      },
    },
  },
  ProductImages: {
    type: "object",
    additionalProperties: false,
    required: ["images"],
    properties: {
      images: {
        type: "array",
        maxItems: 20,
        description: "The product's images in display order; they replace the current ones (none removes them).",
        items: {
          type: "object",
          additionalProperties: false,
          required: ["url"],
          properties: {
            url: {
              type: "string",
              maxLength: 2048,
              description: "An absolute https URL without user name or password.",
            },
            alt: { type: "string", maxLength: 500, description: "One line; empty (the default) if decorative." },
            variantId: {
              type: "string",
              format: "uuid",
              description:
                "One of the product's variants, whose image it is (404 VARIANT_NOT_FOUND otherwise); " +
                "absent: the product's.",
            },
          },
        },
      },
    },
  },
  Category: {
    type: "object",
    properties: {
      id: { type: "string" },
      name: { type: "string" },
      slug: { type: "string", description: "Unique, lowercase words joined by hyphens." },
      parentId: { type: "string", description: "Empty for a top-level category." },
    },
  },
  NewProduct: {
    type: "object",
    additionalProperties: false,
    required: ["name", "description", "priceCents"],
    properties: {
      name: { type: "string" },
      description: { type: "string" },
      priceCents: { ...money, maximum: LIMITS.priceMinor, description: "0 when variants are given." },
      currency: { type: "string", description: "ISO 4217; defaults to the shop's DEFAULT_CURRENCY." },
      categoryId: { type: "string" },
      stock: { ...units("Initial stock; absent when variants are given."), maximum: LIMITS.stock, default: 0 },
      variants: {
        type: "array",
        items: schemaRef("NewVariant"),
        description: "The variants, the default first; absent: one default variant of priceCents and stock.",
      },
      attributes: {
        type: "array",
        items: schemaRef("ProductAttribute"),
        description:
          "Free attributes (brand, material): at most 30; a name 1-50 characters without '=', distinct without " +
          "case; a value 1-100.",
      },
    },
  },
  ProductChanges: {
    type: "object",
    additionalProperties: false,
    description: "Only the fields given change (GraphQL's UpdateProductInput, with the price in minor units).",
    properties: {
      name: { type: "string" },
      description: { type: "string" },
      priceCents: {
        ...money,
        maximum: LIMITS.priceMinor,
        description: "The default variant's price, in `currency` when given, else in the product's.",
      },
      currency: { type: "string", description: "ISO 4217." },
      categoryId: { type: "string", description: "Empty removes the category." },
      attributes: {
        type: "array",
        items: schemaRef("ProductAttribute"),
        description: "Replace all of the product's attributes ([] removes them); rules as NewProduct's.",
      },
    },
  },
  StockAdjustment: {
    type: "object",
    additionalProperties: false,
    required: ["delta"],
    properties: {
      delta: {
        type: "integer",
        format: "int64",
        minimum: Number.MIN_SAFE_INTEGER,
        maximum: Number.MAX_SAFE_INTEGER,
        description: "Units added to the stock on hand, not 0; negative takes units away (never below zero).",
      },
      variantId: variantIdProperty,
    },
  },
  NewCategory: {
    type: "object",
    additionalProperties: false,
    required: ["name"],
    properties: {
      name: { type: "string" },
      slug: { type: "string", description: "Derived from the name when absent." },
      parentId: { type: "string", format: "uuid" },
    },
  },
  StockLevel: {
    type: "object",
    properties: {
      productId: { type: "string" },
      onHand: units("available + held"),
      available: units("Units that can still be sold."),
      held: units("Units reserved by orders that are not paid yet."),
      sold: units("Units of paid orders."),
    },
  },
} as const;
