#!/usr/bin/env bash
# Makes sure what the tests use is there: PostgreSQL and Redis running on 127.0.0.1,
# and Chromium. Installs them from Debian's packages when missing (as root), starts
# the servers when stopped. Tests skip without them, except with CI=true: they fail.
# `test-services.sh node` only makes sure of Node.js and npm (for tsc and Biome).
set -uo pipefail

apt_install() {
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        [ -n "${APT_UPDATED:-}" ] || { apt-get update -qq; APT_UPDATED=1; }
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    else
        echo "test-services: cannot install $* (not root or no apt-get)" >&2
        return 1
    fi
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if [ "${1:-}" = node ]; then
    command -v npm >/dev/null || apt_install nodejs npm
    command -v npm >/dev/null && exit 0
    echo "test-services: npm is NOT there" >&2
    exit 1
fi

# PostgreSQL: trust auth on loopback and a database named `test`, as on the CI machine.
if ! port_open 5432; then
    if ! command -v pg_ctlcluster >/dev/null; then
        apt_install postgresql && fresh_pg=1
    fi
    if command -v pg_ctlcluster >/dev/null; then
        version=$(ls /etc/postgresql | sort -n | tail -1)
        if [ -n "${fresh_pg:-}" ]; then
            hba=/etc/postgresql/$version/main/pg_hba.conf
            sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
        fi
        pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
        for _ in $(seq 50); do port_open 5432 && break; sleep 0.2; done
        if [ -n "${fresh_pg:-}" ]; then
            su postgres -c "createdb test" 2>/dev/null || true
        fi
    fi
fi
port_open 5432 && echo "test-services: PostgreSQL is up" || echo "test-services: PostgreSQL is NOT up" >&2

# Redis: the tests also start throwaway redis-server processes of their own.
if ! command -v redis-server >/dev/null; then
    apt_install redis-server
fi
if ! port_open 6379 && command -v redis-server >/dev/null; then
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
    for _ in $(seq 50); do port_open 6379 && break; sleep 0.1; done
fi
port_open 6379 && echo "test-services: Redis is up" || echo "test-services: Redis is NOT up" >&2

# Chromium for the browser tests: Debian's build, driven by PyPI's playwright (its own
# browser download does not work everywhere).
if [ ! -x /usr/bin/chromium ]; then
    apt_install chromium fonts-dejavu-core
fi
[ -x /usr/bin/chromium ] && echo "test-services: Chromium is there" || echo "test-services: Chromium is NOT there" >&2
exit 0
