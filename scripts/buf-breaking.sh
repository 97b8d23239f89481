#!/usr/bin/env bash
# `buf breaking`: the contracts in proto/ must stay backward compatible with the main branch's. The baseline is
# BUF_BREAKING_AGAINST if set, else origin/main (a clone, GitHub Actions), else the local main branch (a worktree);
# where none exists (a fresh repository) there is nothing to compare with, and it says so and passes. The baseline is
# read with `git archive`, so it works in worktrees, where .git is a file that buf's own git input cannot read.
set -euo pipefail
cd "$(dirname "$0")/.."

baseline="${BUF_BREAKING_AGAINST:-}"
if [ -z "$baseline" ]; then
  for candidate in origin/main main; do
    if git rev-parse --verify -q "$candidate^{commit}" >/dev/null; then baseline=$candidate; break; fi
  done
fi
if [ -z "$baseline" ]; then
  echo "buf breaking: no origin/main or main to compare the contracts with; skipped"
  exit 0
fi

against=$(mktemp -d)
trap 'rm -rf "$against"' EXIT
git archive "$baseline" proto | tar -x -C "$against"
if [ ! -f "$against/proto/buf.yaml" ]; then
  echo "buf breaking: $baseline has no proto/buf.yaml; skipped"
  exit 0
fi
npx buf breaking proto --against "$against/proto"
echo "buf breaking: proto/ is compatible with $baseline ($(git rev-parse --short "$baseline"))"
