#!/usr/bin/env bash
# Make sure PostgreSQL, RabbitMQ (with its management plugin) and Redis answer on localhost.
# Idempotent: what already answers is left alone; what is installed is started; what is
# missing is installed from Debian's packages when we are root with apt-get, otherwise the
# script prints the exact commands to run and exits non-zero. Never waits without a deadline.
set -euo pipefail

DEADLINE_SECONDS="${BUREAU_INFRA_DEADLINE:-90}"
MANAGEMENT_URL="http://127.0.0.1:15672/api/overview"
APT_UPDATED=0

say() { printf 'ensure_infra: %s\n' "$*" >&2; }
fail() { say "ERROR: $*"; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
postgres_up() { port_open 5432; }
rabbit_up() { port_open 5672; }
management_up() {
    [ "$(curl -s -o /dev/null -w '%{http_code}' -u guest:guest "$MANAGEMENT_URL" || true)" = 200 ]
}
redis_up() {
    if command -v redis-cli >/dev/null; then
        [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null || true)" = PONG ]
    else
        port_open 6379
    fi
}

wait_for() { # wait_for <label> <check-function>: poll until it passes or the deadline
    local label=$1 check=$2 deadline=$((SECONDS + DEADLINE_SECONDS))
    until "$check"; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            fail "$label did not answer within ${DEADLINE_SECONDS}s (see docs/running.md#troubleshooting)"
        fi
        sleep 0.5
    done
}

apt_install() { # apt_install <package>: only as root with apt-get, `apt-get update` once
    local package=$1
    if ! is_root || ! command -v apt-get >/dev/null; then
        say "$package is not installed and I cannot install it here. Run:"
        say "  sudo apt-get update && sudo apt-get install -y $package"
        say "then run this command again."
        exit 1
    fi
    if [ "$APT_UPDATED" = 0 ]; then
        say "apt-get update"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        APT_UPDATED=1
    fi
    say "installing $package"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
}

start_via_service_manager() { # start_via_service_manager <unit>
    if command -v service >/dev/null; then
        service "$1" start
    elif command -v systemctl >/dev/null; then
        systemctl start "$1"
    else
        fail "no way to start $1 (neither service nor systemctl)"
    fi
}

ADMIN_URL="${BUREAU_PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
INSTALLED_POSTGRES=0

postgres_admits_us() { # the admin URL connects (a fresh Debian cluster asks for a password)
    command -v psql >/dev/null || return 0  # nothing to check with; migrations will say
    psql "$ADMIN_URL" -Atqc 'SELECT 1' >/dev/null 2>&1
}

trust_loopback() { # a cluster this script has just installed: loopback connections trusted
    local hba
    hba=$(ls /etc/postgresql/*/main/pg_hba.conf 2>/dev/null | sort -V | tail -n 1)
    [ -n "$hba" ] || fail "no pg_hba.conf under /etc/postgresql"
    say "allowing loopback connections without a password in $hba (a development machine)"
    sed -i '1i # Bureau (scripts/ensure_infra.sh): local development, loopback trusted\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    pg_ctlcluster --skip-systemctl-redirect "$(basename "$(dirname "$(dirname "$hba")")")" main reload
}

ensure_postgres() {
    if ! postgres_up; then
        if ! command -v pg_ctlcluster >/dev/null && [ ! -d /etc/postgresql ]; then
            apt_install postgresql
            INSTALLED_POSTGRES=1
        fi
        say "starting PostgreSQL"
        if command -v pg_ctlcluster >/dev/null && [ -n "$(ls /etc/postgresql 2>/dev/null)" ]; then
            local version
            version=$(ls /etc/postgresql | sort -V | tail -n 1)
            pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
        else
            start_via_service_manager postgresql
        fi
        wait_for "PostgreSQL on 5432" postgres_up
    fi
    postgres_admits_us && return 0
    local shown
    shown=$(printf '%s' "$ADMIN_URL" | sed -E 's#(//[^:/@]+):[^@]*@#\1:***@#')
    if [ "$INSTALLED_POSTGRES" = 1 ]; then
        trust_loopback
        wait_for "PostgreSQL admitting $shown" postgres_admits_us
        return 0
    fi
    say "PostgreSQL answers on 5432 but refuses $shown (a password is asked, or the role is missing). Either:"
    say "  give the admin URL a password, and the services' roles one too:"
    say "    export BUREAU_PG_ADMIN_URL=postgresql://postgres:<password>@127.0.0.1:5432/postgres"
    say "    export BUREAU_DB_PASSWORD=<a password for the services' roles>"
    say "  or, on a development machine, trust loopback connections: add these two lines at the"
    say "  top of pg_hba.conf (sudo -u postgres psql -Atc 'SHOW hba_file' names it), then reload:"
    say "    host all all 127.0.0.1/32 trust"
    say "    host all all ::1/128 trust"
    fail "then run this command again."
}

ensure_rabbit() {
    if ! rabbit_up; then
        command -v rabbitmq-server >/dev/null || apt_install rabbitmq-server
        say "starting RabbitMQ"
        if command -v rabbitmq-server >/dev/null; then
            rabbitmq-server -detached || start_via_service_manager rabbitmq-server
        else
            start_via_service_manager rabbitmq-server
        fi
        wait_for "RabbitMQ on 5672" rabbit_up
    fi
    if ! management_up; then
        say "enabling the RabbitMQ management plugin"
        # The node may still be booting: retry until it accepts the command or the deadline.
        local deadline=$((SECONDS + DEADLINE_SECONDS))
        until rabbitmq-plugins enable rabbitmq_management >/dev/null 2>&1; do
            [ "$SECONDS" -ge "$deadline" ] && fail "rabbitmq-plugins enable rabbitmq_management failed"
            sleep 1
        done
        wait_for "RabbitMQ management API on 15672" management_up
    fi
}

ensure_redis() {
    redis_up && return 0
    command -v redis-server >/dev/null || apt_install redis-server
    say "starting Redis"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    if [ -w /var/lib/redis ] && [ -w /var/log/redis ]; then
        redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
            --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
    else
        start_via_service_manager redis-server
    fi
    wait_for "Redis on 6379" redis_up
}

command -v curl >/dev/null || apt_install curl
ensure_postgres
ensure_rabbit
ensure_redis
say "PostgreSQL 5432, RabbitMQ 5672 (management 15672) and Redis 6379 answer"
