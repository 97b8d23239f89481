/**
 * All SQL of the product service, by job, one file each in repository/: catalog, categories, variants, stock and
 * reservations, as functions taking a Queryable so the service runs them inside its transactions. They return data or
 * outcomes (model.ts) and raise no business errors. The statement stock and reservations both change stock with
 * (repository/stock-statement.ts) is theirs alone, not exported here.
 */
export * from "./repository/rows.js";
export * from "./repository/categories.js";
export * from "./repository/products.js";
export * from "./repository/stock.js";
export * from "./repository/reservations.js";
