// `npm run lint` runs this after the build: Redocly's OpenAPI linter (@redocly/openapi-core, the engine of
// `redocly lint`) with its `recommended` rules over the document the gateway serves at GET /openapi.json, built as the
// server builds it from the built gateway's route table (dist/rest), so no server starts; every warning fails the
// check, like ESLint's findings.
import { createConfig, formatProblems, getTotals, lintFromString } from "@redocly/openapi-core";
import { openApiDocument } from "./dist/rest/openapi.js";
import { restRoutes } from "./dist/rest/routes.js";

const config = await createConfig({ extends: ["recommended"] });
const problems = await lintFromString({
  source: JSON.stringify(openApiDocument(restRoutes({ paymentWebhookSecret: "" })), null, 2),
  absoluteRef: "/openapi.json",
  config,
});
const totals = getTotals(problems);
formatProblems(problems, { format: "codeframe", totals, version: "recommended", maxProblems: 200 });
if (problems.length > 0) process.exitCode = 1;
else console.log("openapi.json: no findings (Redocly recommended)");
