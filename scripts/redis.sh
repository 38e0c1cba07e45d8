#!/usr/bin/env bash
# A throwaway Redis for the distributed-crawl test: installs Debian's redis-server if missing
# (as root, the way CI and new machines run), starts it on a free loopback port.
# Usage: scripts/redis.sh up DIR   (prints redis://127.0.0.1:PORT/0)   |   scripts/redis.sh down DIR
set -euo pipefail
DIR=${2:-$PWD/.redis}
case "${1:-}" in
  up)
    if ! command -v redis-server >/dev/null; then
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >&2 \
          || { echo "could not install redis-server" >&2; exit 3; }
      else
        echo "redis-server is not installed (apt-get install redis-server)" >&2; exit 3
      fi
    fi
    mkdir -p "$DIR"
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    redis-server --bind 127.0.0.1 --port "$PORT" --save "" --appendonly no --daemonize yes \
      --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log" --dir "$DIR" >&2
    for _ in $(seq 50); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
    echo "redis://127.0.0.1:$PORT/0"
    ;;
  down)
    [ -f "$DIR/redis.pid" ] && kill "$(cat "$DIR/redis.pid")" 2>/dev/null || true
    rm -rf "$DIR"
    ;;
  *) echo "usage: $0 up|down [DIR]" >&2; exit 2 ;;
esac
