#!/usr/bin/env bash
# Start or stop one real Elasticsearch 9 node for the engine tests, from Maven Central's server
# distribution plus the project's analysis plugin (scripts/es-analysis-plugin). Usage:
#   scripts/elasticsearch.sh up|down|status|clean   (clean also removes the unzipped distribution)
# Env: ELASTICSEARCH_PORT (HTTP, default 9210), ELASTICSEARCH_TRANSPORT_PORT (default HTTP + 100),
#      ELASTICSEARCH_HEAP (default 256m: enough for the test suite; the benchmark gives it 1g),
#      ELASTICSEARCH_DIR (run directory; default in the system's temporary folder, since the node runs
#      as `nobody` when we are root and must reach it), ES_JAVA_HOME (a JDK 21+; found when unset).
# Exit status 3 means a prerequisite cannot be had (Maven, a JDK 21+, the artifact): callers skip.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
VERSION=9.5.3 # pinned: maven-metadata.xml does not list 9.x, so ranges and RELEASE never find it
PORT=${ELASTICSEARCH_PORT:-9210}
TRANSPORT=${ELASTICSEARCH_TRANSPORT_PORT:-$((PORT + 100))}
DIR=${ELASTICSEARCH_DIR:-${TMPDIR:-/tmp}/trialscout-elasticsearch-$PORT}
HOME_DIR=$DIR/elasticsearch-$VERSION
PLUGIN_SRC=$REPO/scripts/es-analysis-plugin
HEAP=${ELASTICSEARCH_HEAP:-256m}
HEALTH="http://127.0.0.1:$PORT/_cluster/health"
# shellcheck source=scripts/maven-fetch.sh
. scripts/maven-fetch.sh

unavailable() { echo "elasticsearch: $*" >&2; exit 3; }

java_major() { # the feature version of the JDK at $1, or nothing
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'
}

find_jdk() { # a JDK (java and javac) of version 21 or later: the given one, JAVA_HOME, the system's JVM folder
  local candidates=("${ES_JAVA_HOME:-}" "${JAVA_HOME:-}") home major
  if command -v javac >/dev/null; then candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"); fi
  for home in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk*; do candidates+=("$home"); done
  for home in "${candidates[@]}"; do
    [ -n "$home" ] && [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] && [ -x "$home/bin/jar" ] || continue
    major=$(java_major "$home")
    if [ -n "$major" ] && [ "${major%%.*}" -ge 21 ]; then echo "$home"; return 0; fi
  done
  return 1
}

# Root runs the node as `nobody`: Elasticsearch refuses root and has no override.
as_node_user() {
  if [ "$(id -u)" = 0 ]; then setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; else "$@"; fi
}

fetch() { # the distribution, unzipped once per run directory (Maven caches the zip in ~/.m2)
  [ -f "$HOME_DIR/.complete" ] && return 0
  command -v mvn >/dev/null || unavailable "Maven (mvn) is not installed"
  command -v unzip >/dev/null || unavailable "unzip is not installed"
  maven_fetch "$DIR/download" org.elasticsearch.distribution.integ-test-zip elasticsearch "$VERSION" zip \
    || unavailable "could not fetch org.elasticsearch.distribution.integ-test-zip:elasticsearch:$VERSION:zip from Maven Central"
  rm -rf "$HOME_DIR"
  # unzip, not Maven's unpack: it keeps the executable bits of bin/.
  unzip -q "$DIR/download/lib/elasticsearch-$VERSION.zip" -d "$DIR"
  rm -rf "$DIR/download/lib"
  touch "$HOME_DIR/.complete"
}

build_plugin() { # compiled against this distribution's jars; rebuilt when its sources change
  local jdk=$1 out=$DIR/plugin-build stamp plugin=$HOME_DIR/plugins/trialscout-analysis
  stamp=$(cat "$PLUGIN_SRC"/src/org/trialscout/esanalysis/*.java | sha256sum | cut -c1-16)
  [ -f "$plugin/.built-$stamp" ] && return 0
  rm -rf "$out" "$plugin"
  mkdir -p "$out/classes" "$plugin"
  "$jdk/bin/javac" --release 21 -nowarn -cp "$HOME_DIR/lib/*" -d "$out/classes" \
    "$PLUGIN_SRC"/src/org/trialscout/esanalysis/*.java
  "$jdk/bin/jar" --create --file "$plugin/trialscout-analysis.jar" -C "$out/classes" .
  cat > "$plugin/plugin-descriptor.properties" <<PROPS
description=Trialscout's test-node stand-in for analysis-common: stemmer, synonym_graph, asciifolding, english (Lucene)
version=$VERSION
name=trialscout-analysis
classname=org.trialscout.esanalysis.TrialscoutAnalysisPlugin
java.version=21
elasticsearch.version=$VERSION
PROPS
  touch "$plugin/.built-$stamp"
}

configure() {
  mkdir -p "$DIR/tmp"
  rm -rf "$DIR/data"
  mkdir -p "$DIR/data" "$DIR/logs"
  cat > "$HOME_DIR/config/elasticsearch.yml" <<YML
cluster.name: trialscout-test
node.name: trialscout-test-1
discovery.type: single-node
network.host: 127.0.0.1
http.port: $PORT
transport.port: $TRANSPORT
path.data: $DIR/data
path.logs: $DIR/logs
xpack.security.enabled: false
# A shared development disk may be nearly full: do not refuse shards or go read-only because of it.
cluster.routing.allocation.disk.threshold_enabled: false
YML
  if [ "$(id -u)" = 0 ]; then chown -R nobody:nogroup "$DIR"; fi
}

up() {
  if curl -sf "$HEALTH" >/dev/null 2>&1; then echo "elasticsearch already up on http://127.0.0.1:$PORT"; return 0; fi
  local jdk
  jdk=$(find_jdk) || unavailable "no JDK 21 or later found (Elasticsearch $VERSION needs one); set ES_JAVA_HOME"
  if [ "$(id -u)" = 0 ]; then
    command -v setpriv >/dev/null || unavailable "setpriv (util-linux) is needed to run the node as nobody"
  fi
  mkdir -p "$DIR"
  chmod 755 "$DIR"
  fetch
  build_plugin "$jdk"
  configure
  if ! as_node_user test -x "$DIR" -a -w "$DIR/data"; then
    echo "elasticsearch: $DIR is not reachable by the node's user (nobody); set ELASTICSEARCH_DIR to a folder it can reach" >&2
    return 1
  fi
  as_node_user env ES_JAVA_HOME="$jdk" ES_JAVA_OPTS="-Xms$HEAP -Xmx$HEAP" ES_TMPDIR="$DIR/tmp" \
    "$HOME_DIR/bin/elasticsearch" -d -p "$DIR/pid" > "$DIR/start.log" 2>&1 \
    || { echo "elasticsearch did not start; see $DIR/start.log and $DIR/logs" >&2; cat "$DIR/start.log" >&2; return 1; }
  for _ in $(seq 90); do
    # Not GET /: without the rest-root module it answers 405.
    if curl -sf "$HEALTH?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1; then
      echo "elasticsearch up on http://127.0.0.1:$PORT (pid $(cat "$DIR/pid"), run directory $DIR)"; return 0
    fi
    if [ -f "$DIR/pid" ] && ! kill -0 "$(cat "$DIR/pid")" 2>/dev/null; then
      echo "elasticsearch exited; see $DIR/logs/trialscout-test.log" >&2; return 1
    fi
    sleep 1
  done
  echo "elasticsearch did not answer within 90 s; see $DIR/logs/trialscout-test.log" >&2
  return 1
}

down() {
  [ -f "$DIR/pid" ] || return 0
  local pid
  pid=$(cat "$DIR/pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$DIR/pid"
  rm -rf "$DIR/data" "$DIR/tmp"
}

# One up or down at a time per run directory: a down waits for a start in progress, a second up
# finds the first one's node.
locked() {
  mkdir -p "$DIR"
  exec 9>"$DIR/.lock"
  flock -w 300 9 || { echo "elasticsearch: $DIR is locked by another up/down for 300 s" >&2; exit 1; }
  "$@"
}

case "${1:-}" in
  up) locked up ;;
  down) locked down ;;
  status) curl -sf "$HEALTH" && echo || { echo "down"; exit 1; } ;;
  clean) locked down; rm -rf "$DIR" ;;
  *) echo "usage: $0 up|down|status|clean" >&2; exit 2 ;;
esac
