/**
 * All SQL of the product service but its search engines' own (search/postgres-*.ts) and the seed command's bulk
 * writes (seed.ts), one file in repository/ per job file it serves: catalog, categories, variants, images, archiving,
 * inventory, and what the search index is written from (search-index, for search/indexer.ts and search/reindex.ts), as
 * functions taking a Queryable so the service runs them inside its transactions. They return data or outcomes
 * (model.ts) and raise no business errors. What several of them build on is theirs alone, not exported here: the row
 * types and mappers of products and variants (repository/rows.ts, which the PostgreSQL search engine reads its rows
 * with too), the statement every stock change runs (repository/stock-statement.ts) and what catalog and variants write
 * with (repository/writes.ts).
 */
export * from "./repository/categories.js";
export * from "./repository/catalog.js";
export * from "./repository/variants.js";
export * from "./repository/images.js";
export * from "./repository/archiving.js";
export * from "./repository/inventory.js";
export * from "./repository/search-index.js";
