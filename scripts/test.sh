#!/usr/bin/env bash
# The whole test suite: lint, types, then pytest, with a real OpenSearch node when one can be had.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
$BIN/ruff check crawler indexer search_cli devtools tests bench
$BIN/ruff format --check crawler indexer search_cli devtools tests bench
$BIN/mypy crawler indexer search_cli devtools

started=""
if [ -z "${TRIALS_TEST_OPENSEARCH_URL:-}" ]; then
  if scripts/opensearch.sh up; then
    started=1
    export TRIALS_TEST_OPENSEARCH_URL="opensearch://127.0.0.1:$(( ${OPENSEARCH_BASE_PORT:-9199} + 1 ))"
  else
    echo "NOTE: cluster tests will be SKIPPED: no OpenSearch node (Java, Maven or Maven Central unavailable)." >&2
  fi
fi
cleanup() { [ -n "$started" ] && scripts/opensearch.sh down || true; }
trap cleanup EXIT
$BIN/pytest "$@"
