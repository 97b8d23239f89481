/**
 * The GraphiQL page served to browsers on GET /graphql: GraphiQL with every asset (script, styles, editor workers)
 * inlined from the installed @graphql-yoga/render-graphiql package, so it works offline, air-gapped or behind a strict
 * proxy. No URL outside this server is loaded.
 */

/** What the editor opens with: a query that works without signing in, and how to send a token. */
export const EXAMPLE_QUERY = `# PolyScale GraphQL. Run this query with the ▶ button (or Ctrl-Enter).
#
# Calls for a signed-in user (me, cart, myOrders, admin mutations) need an access token. Get one with
#   mutation { login(email: "admin@polyscale.local", password: "polyscale-admin") { accessToken } }
# (the development admin), then open the Headers tab below and enter
#   { "Authorization": "Bearer <accessToken>" }

query Catalogue {
  searchProducts(pagination: { take: 5 }) {
    totalCount
    items {
      name
      price
      currency
      inStock
    }
  }
}
`;

let page: Promise<string> | undefined;

/** The page, rendered once; the 9 MB bundle is loaded only when a browser first asks for it. */
export function graphiQLPage(): Promise<string> {
  page ??= import("@graphql-yoga/render-graphiql")
    .then(({ renderGraphiQL }) => renderGraphiQL({ title: "PolyScale GraphQL", defaultQuery: EXAMPLE_QUERY }))
    .catch((error: unknown) => {
      page = undefined;
      throw error;
    });
  return page;
}
