/**
 * All SQL of the product service, by job, one file each in repository/: catalog, categories, variants and inventory,
 * as functions taking a Queryable so the service runs them inside its transactions. They return data or outcomes
 * (model.ts) and raise no business errors.
 */
export * from "./repository/rows.js";
export * from "./repository/categories.js";
export * from "./repository/products.js";
export * from "./repository/inventory.js";
