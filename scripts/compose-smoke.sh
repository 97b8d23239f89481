#!/usr/bin/env bash
# GraphQL queries are single-quoted on purpose: their $variables are GraphQL's, not the shell's.
# shellcheck disable=SC2016
#
# Smoke test of the full stack in containers (compose.yaml): build and start everything, wait until healthy, then
# through the public GraphQL API: register a customer, log in as the admin, create a product, wait until search finds
# it (Elasticsearch is fed asynchronously through the outbox), and order it. Removes the containers and their volumes
# on exit. Needs a Docker engine (skips without one), curl, jq and openssl.
#   scripts/compose-smoke.sh     env: SMOKE_GATEWAY_PORT (published port, 14000), SMOKE_TIMEOUT_SECONDS (600)
# The same API checks against a stack that is already running (e.g. `npm start`), without Docker:
#   SMOKE_GATEWAY_URL=http://127.0.0.1:4000 ADMIN_PASSWORD=... scripts/compose-smoke.sh
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
  echo "compose-smoke: $*" >&2
  exit 1
}

if [ -z "${SMOKE_GATEWAY_URL:-}" ] && ! docker info >/dev/null 2>&1; then
  echo "skipped: no Docker engine (docker info failed)"
  exit 0
fi
for tool in curl jq openssl; do
  command -v "$tool" >/dev/null || fail "$tool is required"
done

if [ -n "${SMOKE_GATEWAY_URL:-}" ]; then
  gateway="$SMOKE_GATEWAY_URL"
  ADMIN_EMAIL="${ADMIN_EMAIL:-admin@polyscale.local}"
  ADMIN_PASSWORD="${ADMIN_PASSWORD:-polyscale-admin}"
else
  if docker compose version >/dev/null 2>&1; then compose=(docker compose); else compose=(docker-compose); fi

  # Run as production does, with throwaway secrets, on a port that does not clash with a running `npm start`.
  export COMPOSE_PROJECT_NAME=polyscale-smoke
  export NODE_ENV=production
  export GATEWAY_PUBLISHED_PORT="${SMOKE_GATEWAY_PORT:-14000}"
  export ADMIN_EMAIL=admin@polyscale.local
  ADMIN_PASSWORD="smoke-admin-$(openssl rand -hex 12)"
  PAYMENT_WEBHOOK_SECRET="$(openssl rand -hex 32)"
  POSTGRES_PASSWORD="$(openssl rand -hex 16)"
  JWT_PRIVATE_KEY="$(openssl genpkey -algorithm ed25519)"
  export ADMIN_PASSWORD PAYMENT_WEBHOOK_SECRET POSTGRES_PASSWORD JWT_PRIVATE_KEY
  timeout_seconds="${SMOKE_TIMEOUT_SECONDS:-600}"
  gateway="http://127.0.0.1:${GATEWAY_PUBLISHED_PORT}"

  finish() {
    local status=$?
    if [ "$status" -ne 0 ]; then
      echo "compose-smoke: FAILED; last logs:" >&2
      "${compose[@]}" logs --no-color --tail=60 >&2 || true
    fi
    "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
    exit "$status"
  }
  trap finish EXIT

  echo "building and starting the stack..."
  "${compose[@]}" up --build -d

  echo "waiting until every container is healthy..."
  deadline=$((SECONDS + timeout_seconds))
  while :; do
    waiting=0
    for container in $("${compose[@]}" ps -q); do
      state="$(docker inspect --format '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' "$container")"
      case "$state" in
        "running healthy") ;;
        exited* | dead*) fail "container $(docker inspect --format '{{.Name}}' "$container") stopped: $state" ;;
        *) waiting=$((waiting + 1)) ;;
      esac
    done
    [ "$waiting" -eq 0 ] && break
    [ "$SECONDS" -lt "$deadline" ] || fail "not healthy after ${timeout_seconds}s"
    sleep 3
  done
fi

# graphql TOKEN QUERY VARIABLES_JSON: prints .data, fails on a transport error or any GraphQL error.
graphql() {
  local token=$1 query=$2 variables=$3 response
  local headers=(-H "content-type: application/json")
  [ -n "$token" ] && headers+=(-H "authorization: Bearer $token")
  response="$(curl -sS --max-time 30 "${headers[@]}" "$gateway/graphql" \
    --data "$(jq -nc --arg query "$query" --argjson variables "$variables" '{query: $query, variables: $variables}')")" ||
    fail "request failed: $query"
  if ! jq -e '(.errors | not) and (.data != null)' >/dev/null <<<"$response"; then
    fail "GraphQL error for $query: $response"
  fi
  jq -c '.data' <<<"$response"
}

# expect JSON FILTER: the jq filter must be true of the JSON.
expect() {
  jq -e "$2" >/dev/null <<<"$1" || fail "expected $2 in $1"
}

# A word no other product has (starting with a letter, so every analyzer keeps it whole).
run_id="smoke$(openssl rand -hex 4)"
customer_email="${run_id}@example.com"

echo "register a customer"
registered="$(graphql "" 'mutation($input: RegisterInput!) { register(input: $input) { accessToken account { id email role } } }' \
  "$(jq -nc --arg email "$customer_email" '{input: {name: "Smoke Customer", email: $email, password: "smoke-password-1"}}')")"
expect "$registered" ".register.account.email == \"$customer_email\" and .register.account.role == \"CUSTOMER\""
customer_token="$(jq -r '.register.accessToken' <<<"$registered")"
customer_id="$(jq -r '.register.account.id' <<<"$registered")"

echo "log in as the admin"
admin="$(graphql "" 'mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken account { role } } }' \
  "$(jq -nc --arg email "$ADMIN_EMAIL" --arg password "$ADMIN_PASSWORD" '{email: $email, password: $password}')")"
expect "$admin" '.login.account.role == "ADMIN"'
admin_token="$(jq -r '.login.accessToken' <<<"$admin")"

echo "create a product"
product_name="Smoke lantern ${run_id}"
created="$(graphql "$admin_token" 'mutation($product: ProductInput!) { createProduct(product: $product) { id priceCents currency stock } }' \
  "$(jq -nc --arg name "$product_name" '{product: {name: $name, description: "A lantern made for the smoke test", price: 19.99, currency: "USD", stock: 5}}')")"
expect "$created" '.createProduct.priceCents == 1999 and .createProduct.currency == "USD" and .createProduct.stock == 5'
product_id="$(jq -r '.createProduct.id' <<<"$created")"

echo "wait until search finds it"
deadline=$((SECONDS + 60))
until graphql "" 'query($query: String) { searchProducts(query: $query) { totalCount items { id } } }' \
  "$(jq -nc --arg query "$run_id" '{query: $query}')" |
  jq -e --arg id "$product_id" '.searchProducts.items | any(.id == $id)' >/dev/null; do
  [ "$SECONDS" -lt "$deadline" ] || fail "search did not find product $product_id within 60s"
  sleep 1
done

echo "order two of it"
ordered="$(graphql "$customer_token" 'mutation($order: OrderInput!) { createOrder(order: $order) { id accountId status totalCents currency products { id quantity priceCents } } }' \
  "$(jq -nc --arg account "$customer_id" --arg product "$product_id" '{order: {accountId: $account, products: [{id: $product, quantity: 2}]}}')")"
expect "$ordered" ".createOrder.accountId == \"$customer_id\" and .createOrder.status == \"PENDING_PAYMENT\""
expect "$ordered" '.createOrder.totalCents == 3998 and .createOrder.currency == "USD"'
expect "$ordered" ".createOrder.products == [{\"id\": \"$product_id\", \"quantity\": 2, \"priceCents\": 1999}]"

echo "stock went down by the two ordered"
stock="$(graphql "" 'query($id: String!) { product(id: $id) { stock } }' "$(jq -nc --arg id "$product_id" '{id: $id}')")"
expect "$stock" '.product.stock == 3'

echo "compose-smoke: passed"
