/**
 * `npm start`: the whole system on one machine. Services use the embedded database under ./data unless their
 * *_DATABASE_URL is set; ports and every other setting come from the same environment variables as in production.
 */
import { readConfig, setting } from "@polyscale/platform";
import path from "node:path";
import { defaultPorts, repositoryRoot, startSystem } from "./system.js";

const config = readConfig({
  dataDir: setting.string("DATA_DIR", path.join(repositoryRoot, "data")),
  gateway: setting.port("GATEWAY_PORT", defaultPorts.gateway),
  account: setting.port("ACCOUNT_PORT", defaultPorts.account),
  product: setting.port("PRODUCT_PORT", defaultPorts.product),
  order: setting.port("ORDER_PORT", defaultPorts.order),
});

const system = await startSystem({
  ports: { gateway: config.gateway, account: config.account, product: config.product, order: config.order },
  dataDir: path.resolve(config.dataDir),
  databaseUrls: {
    account: process.env.ACCOUNT_DATABASE_URL,
    product: process.env.PRODUCT_DATABASE_URL,
    order: process.env.ORDER_DATABASE_URL,
  },
  echo: true,
});

console.log(`
PolyScale is running.
  GraphQL (GraphiQL in a browser)  ${system.gatewayUrl}/graphql
  REST                             ${system.gatewayUrl}/products  (OpenAPI: ${system.gatewayUrl}/openapi.json)
  gRPC account / product / order   ${system.addresses.account} / ${system.addresses.product} / ${system.addresses.order}
Press Ctrl-C to stop.
`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void system.stop().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
// If any service dies on its own, stop the rest rather than run half a system.
for (const running of Object.values(system.processes)) {
  running.child.once("exit", (code) => {
    if (stopping) return;
    console.error(`${running.name} exited with code ${code}; stopping everything`);
    stop();
  });
}
