#!/usr/bin/env bash
# The whole test suite: lint, types, then pytest, with real OpenSearch and Elasticsearch nodes when they can be had.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
$BIN/ruff check crawler indexer search_cli devtools web tests bench
$BIN/ruff format --check crawler indexer search_cli devtools web tests bench
$BIN/mypy crawler indexer search_cli devtools web

started_os=""
started_es=""
cleanup() {
  if [ -n "$started_es" ]; then scripts/elasticsearch.sh down || true; fi
  if [ -n "$started_os" ]; then scripts/opensearch.sh down || true; fi
}
trap cleanup EXIT

# Both nodes start at once: Elasticsearch in the background while OpenSearch comes up.
es_pid=""
if [ -z "${TRIALS_TEST_ES_URL:-}" ]; then
  if scripts/elasticsearch.sh status >/dev/null 2>&1; then
    echo "using the Elasticsearch node already up on port ${ELASTICSEARCH_PORT:-9210}" >&2
  else
    started_es=1
    scripts/elasticsearch.sh up &
    es_pid=$!
  fi
  export TRIALS_TEST_ES_URL="elasticsearch://127.0.0.1:${ELASTICSEARCH_PORT:-9210}"
fi

if [ -z "${TRIALS_TEST_OPENSEARCH_URL:-}" ]; then
  if scripts/opensearch.sh up; then
    started_os=1
    export TRIALS_TEST_OPENSEARCH_URL="opensearch://127.0.0.1:$(( ${OPENSEARCH_BASE_PORT:-9199} + 1 ))"
  else
    echo "NOTE: OpenSearch cases will be SKIPPED: no OpenSearch node (Java, Maven or Maven Central unavailable)." >&2
  fi
fi

if [ -n "$es_pid" ]; then
  es_status=0
  wait "$es_pid" || es_status=$?
  if [ "$es_status" = 3 ]; then
    # Only a missing prerequisite (Maven, a JDK 21+, the artifact) skips; its reason was printed above.
    echo "NOTE: Elasticsearch cases will be SKIPPED: see the reason above (scripts/elasticsearch.sh)." >&2
    unset TRIALS_TEST_ES_URL
    started_es=""
  elif [ "$es_status" != 0 ]; then
    echo "ERROR: the Elasticsearch test node failed to start (see above); not running the suite without it." >&2
    exit 1
  fi
fi
$BIN/pytest "$@"
