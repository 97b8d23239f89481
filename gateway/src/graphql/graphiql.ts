/**
 * The GraphiQL page served to browsers on GET /graphql: GraphiQL with every asset (script, styles, editor workers)
 * inlined from the installed @graphql-yoga/render-graphiql package, so it works offline, air-gapped or behind a strict
 * proxy. No URL outside this server is loaded.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import Negotiator from "negotiator";

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

type Encoding = "br" | "gzip" | "identity";

interface RenderedPage {
  /** Weak: the same page in every encoding (RFC 9110 8.8.3), changed only by an upgrade of the gateway. */
  etag: string;
  /** The page as sent for one content coding, compressed on first demand and kept. */
  body(encoding: Encoding): Promise<Buffer>;
}

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

/**
 * Brotli at quality 4 and gzip at level 6: 9 MB become about 2.1 and 2.4 MB in about 2 s and 1.5 s on a busy 2-core
 * machine, once per process; quality 9 would save 10 % more for ten times the wait of the first browser.
 */
const compressors: Record<Exclude<Encoding, "identity">, (page: Buffer) => Promise<Buffer>> = {
  br: (page) =>
    brotli(page, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 4, [constants.BROTLI_PARAM_SIZE_HINT]: page.length },
    }),
  gzip: (page) => gzipped(page, { level: 6 }),
};

let rendered: Promise<RenderedPage> | undefined;

/** The page, rendered once; the 9 MB bundle is loaded only when a browser first asks for it. */
function graphiQLPage(): Promise<RenderedPage> {
  rendered ??= import("@graphql-yoga/render-graphiql")
    .then(({ renderGraphiQL }) => {
      const page = Buffer.from(renderGraphiQL({ title: "PolyScale GraphQL", defaultQuery: EXAMPLE_QUERY }));
      const bodies = new Map<Encoding, Promise<Buffer>>([["identity", Promise.resolve(page)]]);
      return {
        etag: `W/"${createHash("sha256").update(page).digest("base64url").slice(0, 32)}"`,
        body(encoding) {
          let body = bodies.get(encoding);
          if (!body) {
            body = compressors[encoding as Exclude<Encoding, "identity">](page);
            bodies.set(encoding, body);
          }
          return body;
        },
      } satisfies RenderedPage;
    })
    .catch((error: unknown) => {
      rendered = undefined;
      throw error;
    });
  return rendered;
}

/**
 * Answers GET /graphql from a browser with the GraphiQL page: brotli or gzip as the Accept-Encoding header prefers
 * (q-values honoured, by negotiator; brotli when both are as welcome), else uncompressed; `Cache-Control: no-cache` with an ETag, so a browser asks
 * again each time but gets 304 Not Modified, not the page, until the gateway is upgraded.
 */
export async function sendGraphiQL(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const page = await graphiQLPage();
  const headers = { etag: page.etag, "cache-control": "no-cache", vary: "Accept-Encoding" };
  if (matchesEtag(request.headers["if-none-match"], page.etag)) {
    response.writeHead(304, headers);
    response.end();
    return;
  }
  const codings = ["br", "gzip", "identity"];
  // Among codings the browser likes as much (most say "gzip, deflate, br"), the smallest.
  const encoding = (new Negotiator(request).encoding(codings, { preferred: codings }) ?? "identity") as Encoding;
  const body = await page.body(encoding);
  response.writeHead(200, {
    ...headers,
    "content-type": "text/html; charset=utf-8",
    ...(encoding === "identity" ? {} : { "content-encoding": encoding }),
    "content-length": body.length,
  });
  response.end(body);
}

/** If-None-Match's weak comparison: any listed tag, with or without W/, or `*`. */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, "");
  return header.split(",").some((tag) => tag.trim() === "*" || opaque(tag) === opaque(etag));
}
