import {
  invalidArgument,
  normalizePage,
  requireCurrency,
  requireIds,
  requireInteger,
  requireOneOf,
  requireText,
  type Database,
  type EnumInput,
} from "@polyscale/platform";
import { searchDuration } from "../metrics.js";
import * as repository from "../repository.js";
import { MAX_OPTION_VALUE_LENGTH, requireOptionName } from "../variants.js";
import { type OptionFilter, SEARCH_SORT_ORDERS, type SearchResult, type SearchSortOrder } from "../model.js";
import type { SearchEngine } from "./search-engine.js";

const MAX_QUERY_LENGTH = 200;
const MAX_CATEGORY_FILTERS = 100;
/** Options one search may filter on, and values of one option (OR'd): more than a storefront's facet panel offers. */
const MAX_OPTION_FILTERS = 10;
const MAX_OPTION_FILTER_VALUES = 50;

export interface SearchInput {
  query: string;
  categoryIds: string[];
  /** Of the price bounds and price facets; empty (or absent) means DEFAULT_CURRENCY. */
  currency?: string;
  minPriceCents?: number;
  maxPriceCents?: number;
  inStockOnly: boolean;
  /**
   * Variant option filters as typed, e.g. [{ name: "Colour", values: ["red", "blue"] }]: one of the values of each
   * option (matched without case or accents); absent or empty means none.
   */
  options?: ReadonlyArray<{ name: string; values: readonly string[] }>;
  /** Unset means relevance when there is a query, newest first otherwise; any other value is refused (field sort). */
  sort?: EnumInput<SearchSortOrder>;
  skip: number;
  take: number;
}

export interface SearchServiceOptions {
  database: Database;
  /** Answers SearchProducts (PostgreSQL full text or Elasticsearch, possibly behind a cache). */
  searchEngine: SearchEngine;
  /** The currency of price bounds given without one (DEFAULT_CURRENCY). */
  defaultCurrency: string;
}

/** SearchProducts' rules: its input checked and normalised, then handed to the engine, timed by engine. */
export class SearchService {
  private readonly database: Database;
  private readonly searchEngine: SearchEngine;
  private readonly defaultCurrency: string;

  constructor(options: SearchServiceOptions) {
    this.database = options.database;
    this.searchEngine = options.searchEngine;
    this.defaultCurrency = options.defaultCurrency;
  }

  /**
   * One page of matches with counts and facets; see SearchResult for what the counts mean. INVALID_ARGUMENT naming the
   * field for a bad input: query too long, a bad category id, price bounds, currency, or option filter
   * (`options[i].name`: empty, too long, with "=", or the same option twice; `options[i].values[j]`: empty or too
   * long; reason LIMIT_EXCEEDED for too many options, `options`, or values, `options[i].values`, or none,
   * `options[i].values`).
   */
  async searchProducts(input: SearchInput): Promise<SearchResult> {
    const text = requireText("query", input.query, { min: 0, max: MAX_QUERY_LENGTH });
    const categoryIds = requireIds("categoryIds", input.categoryIds, { max: MAX_CATEGORY_FILTERS });
    const minPriceCents = optionalPrice("minPriceCents", input.minPriceCents);
    const maxPriceCents = optionalPrice("maxPriceCents", input.maxPriceCents);
    if (minPriceCents !== undefined && maxPriceCents !== undefined && maxPriceCents < minPriceCents) {
      throw invalidArgument("maxPriceCents", "must not be below the minimum price");
    }
    const options = await this.requireOptionFilters(input.options ?? []);
    const page = normalizePage(input, { defaultTake: 20, maxTake: 100 });
    const unsetSort = text === "" ? "newest" : "relevance";
    const sort = input.sort === undefined ? unsetSort : requireOneOf("sort", input.sort, SEARCH_SORT_ORDERS);
    const searched = searchDuration.startTimer({ engine: this.searchEngine.name });
    return this.searchEngine
      .search({
        text,
        categoryIds,
        currency: requireCurrency("currency", input.currency ? input.currency : this.defaultCurrency),
        minPriceCents,
        maxPriceCents,
        inStockOnly: input.inStockOnly,
        options,
        sort,
        ...page,
      })
      .finally(searched);
  }

  /**
   * Option filters checked (see searchProducts) and folded as products.option_keys holds them, by the database's own
   * search_normalize, so a filter matches whatever the stored options fold to; values of one option are made distinct.
   */
  private async requireOptionFilters(
    filters: ReadonlyArray<{ name: string; values: readonly string[] }>,
  ): Promise<OptionFilter[]> {
    if (filters.length > MAX_OPTION_FILTERS) {
      throw invalidArgument("options", `must hold at most ${MAX_OPTION_FILTERS} options`, "LIMIT_EXCEEDED");
    }
    const checked = filters.map((filter, index) => {
      const field = `options[${index}]`;
      if (filter.values.length === 0) throw invalidArgument(`${field}.values`, "must hold at least one value");
      if (filter.values.length > MAX_OPTION_FILTER_VALUES) {
        throw invalidArgument(
          `${field}.values`,
          `must hold at most ${MAX_OPTION_FILTER_VALUES} values`,
          "LIMIT_EXCEEDED",
        );
      }
      return {
        name: requireOptionName(`${field}.name`, filter.name),
        values: filter.values.map((value, at) =>
          requireText(`${field}.values[${at}]`, value, { max: MAX_OPTION_VALUE_LENGTH }),
        ),
      };
    });
    if (checked.length === 0) return [];
    const folded = await repository.foldSearchTerms(
      this.database,
      checked.flatMap((filter) => [filter.name, ...filter.values]),
    );
    let at = 0;
    const names = new Set<string>();
    return checked.map((filter, index) => {
      const name = folded[at++]!;
      const values = filter.values.map(() => folded[at++]!);
      if (names.has(name)) throw invalidArgument(`options[${index}].name`, `names "${filter.name}" twice`);
      names.add(name);
      return { name, values: [...new Set(values)] };
    });
  }
}

function optionalPrice(field: string, value: number | undefined): number | undefined {
  return value === undefined ? undefined : requireInteger(field, value, { min: 0 });
}
