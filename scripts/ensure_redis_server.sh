#!/usr/bin/env bash
# The shared rate limiter's tests and benchmark start their own redis-server on 127.0.0.1.
# This makes sure one can be found: Debian's `redis-server` package when the machine has
# none and apt-get can be used (as root; the tests never use a daemon the package may start).
# On any other machine it only says what is missing, and those tests skip with that reason.
set -uo pipefail

if command -v redis-server > /dev/null 2>&1 || [ -x /usr/bin/redis-server ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get > /dev/null 2>&1; then
    echo "note: no redis-server; the Redis rate limiter's tests will be skipped" \
        "(install Debian's redis-server, or set EXTEND_TEST_REDIS_SERVER)" >&2
    exit 0
fi
install() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        redis-server > /dev/null
}
if ! install; then
    apt-get update -qq > /dev/null && install || {
        echo "note: redis-server could not be installed; its tests will be skipped" >&2
        exit 0
    }
fi
