import { normalizePage, type Page } from "@polyscale/platform";

export interface PageInput {
  skip?: number | null;
  take?: number | null;
}

/** skip/take from a request: negative is BAD_USER_INPUT, missing or 0 take means 100, more than 100 is capped. */
export function pageOf(input: PageInput | null | undefined): Page {
  return normalizePage({ skip: input?.skip ?? 0, take: input?.take ?? 0 });
}
