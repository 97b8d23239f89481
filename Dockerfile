# syntax=docker/dockerfile:1
#
# One build for all four processes. The stages `account`, `product`, `order` and `gateway` at the end share every
# layer and differ only in CMD, EXPOSE and HEALTHCHECK, so each image knows how to run and check itself:
#   docker build --target account -t polyscale/account:local .
# (compose.yaml builds all four.) Node is PID 1 with no init: every process handles SIGTERM itself (drain, then close
# pools) and spawns no children, so there are no zombies to reap.

# Node 20 is what the code targets (package.json engines); switch with --build-arg NODE_IMAGE=node:22-bookworm-slim.
# Debian (glibc), not Alpine: a standard toolchain for argon2 (see production-dependencies) and buf's glibc binary.
ARG NODE_IMAGE=node:20-bookworm-slim

# The package manifests alone, so dependency layers are rebuilt only when a manifest or the lockfile changes.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
COPY package.json package-lock.json ./
COPY proto/package.json proto/
COPY packages/platform/package.json packages/platform/
COPY services/account/package.json services/account/
COPY services/product/package.json services/product/
COPY services/order/package.json services/order/
COPY gateway/package.json gateway/
COPY tools/package.json tools/
COPY bench/package.json bench/
COPY deploy/package.json deploy/

# The build needs no install scripts: buf's binary comes from a platform package, and nothing loads argon2 here.
FROM manifests AS build
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build
# The runtime tree: manifests, compiled JavaScript without declarations (tests and their helpers are never compiled:
# deploy/src/dist-contents.test.ts checks dist/), migrations, the .proto files that
# server reflection loads, and the GraphQL SDL the gateway reads.
RUN set -eu; \
    mkdir /runtime; \
    for workspace in proto packages/platform services/account services/product services/order gateway; do \
      mkdir -p "/runtime/$workspace"; \
      cp -r "$workspace/package.json" "$workspace/dist" "/runtime/$workspace/"; \
      if [ -d "$workspace/sql" ]; then cp -r "$workspace/sql" "/runtime/$workspace/"; fi; \
    done; \
    find proto/polyscale -name '*.proto' -exec cp --parents {} /runtime/ \; ; \
    cp --parents gateway/src/graphql/schema.graphql /runtime/; \
    find /runtime \( -name '*.d.ts' -o -name '*.d.ts.map' -o -name '.tsbuildinfo' \) -delete

# Production dependencies of the four processes only (not the benchmark's or the tests'). argon2's prebuilt addon
# declares Node-API 10, which Node 20 lacks (loading it crashes the process), so it is compiled here against the
# image's own Node headers; the toolchain stays in this stage. On a Node >= 22.14 base the rebuild is unnecessary.
# npm ci needed every workspace's manifest; the workspaces no process runs (tools, bench, deploy) are neither linked
# into node_modules nor read by Node, so their directories go.
FROM manifests AS production-dependencies
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
      --workspace @polyscale/account --workspace @polyscale/product --workspace @polyscale/order \
      --workspace @polyscale/gateway \
    && npm_config_nodedir=/usr/local npm rebuild argon2 \
    && rm -rf node_modules/argon2/build/Release/obj.target tools bench deploy \
    && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0
WORKDIR /app
# Root owns the code; the processes run as the image's unprivileged `node` user (uid 1000) and cannot change it.
COPY --from=production-dependencies /app ./
COPY --from=build /runtime ./
# The one writable place: the embedded databases' home (DATA_DIR) when a service is run without a *_DATABASE_URL.
RUN mkdir data && chown node:node data
USER node
STOPSIGNAL SIGTERM

# Every process starts with `--import @polyscale/platform/telemetry`: OpenTelemetry has to hook the modules before they
# load; without OTEL_EXPORTER_OTLP_ENDPOINT it does nothing.

FROM runtime AS account
EXPOSE 50051
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "packages/platform/dist/healthcheck.js", "grpc", "127.0.0.1:50051"]
CMD ["node", "--import", "@polyscale/platform/telemetry", "services/account/dist/main.js"]

FROM runtime AS product
EXPOSE 50052
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "packages/platform/dist/healthcheck.js", "grpc", "127.0.0.1:50052"]
CMD ["node", "--import", "@polyscale/platform/telemetry", "services/product/dist/main.js"]

FROM runtime AS order
EXPOSE 50053
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "packages/platform/dist/healthcheck.js", "grpc", "127.0.0.1:50053"]
CMD ["node", "--import", "@polyscale/platform/telemetry", "services/order/dist/main.js"]

FROM runtime AS gateway
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "packages/platform/dist/healthcheck.js", "http", "http://127.0.0.1:4000/healthz"]
CMD ["node", "--import", "@polyscale/platform/telemetry", "gateway/dist/main.js"]
