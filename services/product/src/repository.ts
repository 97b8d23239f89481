/**
 * All SQL of the product service but its search engines' own (search/postgres-*.ts) and the seed command's bulk
 * writes (seed.ts), by job, one file each in repository/: catalog, categories, variants, images, archiving, stock,
 * reservations and what the search index is written from (search-index), as functions taking a Queryable so the
 * service runs them inside its transactions. They return data or outcomes (model.ts) and raise no business errors. The statement stock and reservations both
 * change stock with (repository/stock-statement.ts) and what catalog and variants write with (repository/writes.ts)
 * are theirs alone, not exported here.
 */
export * from "./repository/rows.js";
export * from "./repository/categories.js";
export * from "./repository/catalog.js";
export * from "./repository/variants.js";
export * from "./repository/images.js";
export * from "./repository/archiving.js";
export * from "./repository/stock.js";
export * from "./repository/reservations.js";
export * from "./repository/search-index.js";
