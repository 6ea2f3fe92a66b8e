# shellcheck shell=bash
# Sourced helper: make sure the services the tests need are installed and running
# on this machine (no systemd, no Docker needed), then export their connection strings.
#
#   source scripts/lib-services.sh
#   eprx_ensure_services        # packages + PostgreSQL 15 + RabbitMQ + test role/db + exports
#
# Idempotent: when everything is already installed and running it only does a few
# cheap checks (well under a second for PostgreSQL, a TCP probe for RabbitMQ).
#
# Knobs (environment):
#   EPRX_SERVICE_TIMEOUT   seconds to wait for each service to become ready (default 180)
#   EPRX_TEST_POSTGRES     left alone if already set by the caller
#   EPRX_TEST_RABBITMQ     left alone if already set by the caller
#   EPRX_PG_USER / EPRX_PG_PASSWORD / EPRX_PG_DATABASE   test role (default eprx/eprx/eprx_test)

EPRX_PG_VERSION=15  # the Debian 12 server; the brief pins 15
EPRX_PG_CLUSTER="${EPRX_PG_CLUSTER:-main}"
EPRX_PG_USER="${EPRX_PG_USER:-eprx}"
EPRX_PG_PASSWORD="${EPRX_PG_PASSWORD:-eprx}"
EPRX_PG_MAX_CONNECTIONS="${EPRX_PG_MAX_CONNECTIONS:-400}"
EPRX_PG_DATABASE="${EPRX_PG_DATABASE:-eprx_test}"
EPRX_RABBIT_PORT=5672
EPRX_SERVICE_TIMEOUT="${EPRX_SERVICE_TIMEOUT:-180}"
EPRX_SERVICE_LOG_DIR="${EPRX_SERVICE_LOG_DIR:-/tmp/eprx-services}"

# Debian packages the tests need. fonts-liberation: Chromium renders text with it
# (we skip Recommends, which would pull in CUPS, upower and friends). fonts-ipafont-gothic:
# Japanese glyphs for the exchange slip; poppler-utils: pdfinfo/pdftoppm read the printed slip.
EPRX_APT_PACKAGES=(postgresql-15 postgresql-client-15 rabbitmq-server chromium zbar-tools fonts-liberation fonts-ipafont-gothic poppler-utils)

eprx_log() { printf '[services] %s\n' "$*" >&2; }
eprx_die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

# Run as root: directly when we are root, else through sudo (non-interactive).
eprx_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

eprx_pkg_installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = "installed" ]
}

eprx_ensure_packages() {
  local missing=() p
  for p in "${EPRX_APT_PACKAGES[@]}"; do
    eprx_pkg_installed "$p" || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0

  mkdir -p "$EPRX_SERVICE_LOG_DIR"
  local log="$EPRX_SERVICE_LOG_DIR/apt.log" try
  eprx_log "installing missing Debian packages: ${missing[*]} (log: $log)"
  export DEBIAN_FRONTEND=noninteractive
  # Output goes to a file, never to our stdout: a package's postinst may start a
  # daemon, and a daemon holding the CI's output pipe open would hang the CI run.
  for try in 1 2 3; do
    if eprx_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update \
         </dev/null >>"$log" 2>&1 &&
       eprx_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y \
         --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
         "${missing[@]}" </dev/null >>"$log" 2>&1; then
      eprx_log "packages installed"
      return 0
    fi
    eprx_log "apt-get failed (attempt $try/3); last lines of $log:"
    tail -n 15 "$log" >&2 || true
    sleep $((try * 5))
  done
  eprx_die "could not install: ${missing[*]} (see $log)"
}

# ---------------------------------------------------------------- PostgreSQL

eprx_pg_port() {
  # Port of the 15/main cluster as configured (normally 5432).
  pg_lsclusters -h 2>/dev/null | awk -v v="$EPRX_PG_VERSION" -v c="$EPRX_PG_CLUSTER" '$1==v && $2==c {print $3}'
}

eprx_ensure_postgres() {
  if [ -z "$(eprx_pg_port)" ]; then
    eprx_log "creating PostgreSQL cluster $EPRX_PG_VERSION/$EPRX_PG_CLUSTER"
    eprx_root pg_createcluster "$EPRX_PG_VERSION" "$EPRX_PG_CLUSTER" </dev/null >&2 ||
      eprx_die "pg_createcluster $EPRX_PG_VERSION $EPRX_PG_CLUSTER failed"
  fi
  local port
  port="$(eprx_pg_port)"
  EPRX_PG_PORT="$port"

  # Test projects run at once, each service instance with its own connection pool: Debian's default of 100 connections
  # runs out. Raise it in the cluster's config before the server starts (or restart it once if it is already up).
  local conf="/etc/postgresql/$EPRX_PG_VERSION/$EPRX_PG_CLUSTER/conf.d/eprx-tests.conf"
  if [ ! -f "$conf" ]; then
    eprx_log "setting max_connections = $EPRX_PG_MAX_CONNECTIONS for the test cluster ($conf)"
    eprx_root mkdir -p "$(dirname "$conf")"
    printf 'max_connections = %s\n' "$EPRX_PG_MAX_CONNECTIONS" | eprx_root tee "$conf" >/dev/null
    if pg_isready -q -h 127.0.0.1 -p "$port" -t 2; then
      eprx_root pg_ctlcluster "$EPRX_PG_VERSION" "$EPRX_PG_CLUSTER" restart </dev/null >&2 ||
        eprx_die "pg_ctlcluster $EPRX_PG_VERSION $EPRX_PG_CLUSTER restart failed"
    fi
  fi

  if ! pg_isready -q -h 127.0.0.1 -p "$port" -t 2; then
    eprx_log "starting PostgreSQL $EPRX_PG_VERSION/$EPRX_PG_CLUSTER on port $port"
    # pg_ctl sends the server's output to the cluster log; keep our own stdio off it.
    local out
    if ! out="$(eprx_root pg_ctlcluster "$EPRX_PG_VERSION" "$EPRX_PG_CLUSTER" start </dev/null 2>&1)"; then
      # "already running" is fine (e.g. it is up but not yet accepting connections).
      case "$out" in
        *"already running"*) ;;
        *) printf '%s\n' "$out" >&2
           tail -n 20 "/var/log/postgresql/postgresql-$EPRX_PG_VERSION-$EPRX_PG_CLUSTER.log" >&2 2>/dev/null || true
           eprx_die "pg_ctlcluster $EPRX_PG_VERSION $EPRX_PG_CLUSTER start failed" ;;
      esac
    fi
    local waited=0
    until pg_isready -q -h 127.0.0.1 -p "$port" -t 2; do
      if [ "$waited" -ge "$EPRX_SERVICE_TIMEOUT" ]; then
        tail -n 20 "/var/log/postgresql/postgresql-$EPRX_PG_VERSION-$EPRX_PG_CLUSTER.log" >&2 2>/dev/null || true
        eprx_die "PostgreSQL did not become ready on 127.0.0.1:$port within ${EPRX_SERVICE_TIMEOUT}s"
      fi
      sleep 1; waited=$((waited + 1))
    done
    eprx_log "PostgreSQL ready after ~${waited}s"
  fi

  # Test role (CREATEDB so tests can make their own databases) and database; one
  # psql call over the local socket with peer auth as the postgres superuser.
  # Literals are quoted with format(); psql variables keep them out of the SQL text.
  eprx_root runuser -u postgres -- psql -X -q -p "$port" -d postgres -v ON_ERROR_STOP=1 \
      -v u="$EPRX_PG_USER" -v pw="$EPRX_PG_PASSWORD" -v db="$EPRX_PG_DATABASE" >/dev/null <<'SQL' ||
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', :'u', :'pw')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'u')
\gexec
SELECT format('ALTER ROLE %I LOGIN CREATEDB PASSWORD %L', :'u', :'pw')
  FROM pg_roles WHERE rolname = :'u' AND NOT (rolcanlogin AND rolcreatedb)
\gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'u')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db')
\gexec
SQL
    eprx_die "could not create PostgreSQL role '$EPRX_PG_USER' / database '$EPRX_PG_DATABASE'"

  # Password auth over TCP, exactly as the tests connect.
  local err
  if ! err="$(PGPASSWORD="$EPRX_PG_PASSWORD" PGCONNECT_TIMEOUT=5 psql -X -q -h 127.0.0.1 -p "$port" \
                -U "$EPRX_PG_USER" -d "$EPRX_PG_DATABASE" -tAc 'SELECT 1' </dev/null 2>&1)"; then
    printf '%s\n' "$err" >&2
    eprx_die "cannot log in to PostgreSQL as '$EPRX_PG_USER' on 127.0.0.1:$port with a password;" \
             "check /etc/postgresql/$EPRX_PG_VERSION/$EPRX_PG_CLUSTER/pg_hba.conf has a 'host all all 127.0.0.1/32 scram-sha-256' (or md5) line"
  fi
}

# ---------------------------------------------------------------- RabbitMQ

eprx_tcp_open() { # host port
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

eprx_ensure_rabbitmq() {
  # Fast path: the AMQP listener is one of the last things RabbitMQ opens at boot,
  # so an open 5672 means the broker is up.
  if eprx_tcp_open 127.0.0.1 "$EPRX_RABBIT_PORT"; then
    return 0
  fi

  # The node is named rabbit@<short hostname>; if that name does not resolve, the
  # node cannot start (nor the CLI reach it). Fall back to rabbit@localhost then.
  if ! getent hosts "$(hostname -s)" >/dev/null 2>&1 &&
     ! grep -qs '^[[:space:]]*NODENAME=' /etc/rabbitmq/rabbitmq-env.conf; then
    eprx_log "hostname '$(hostname -s)' does not resolve; using NODENAME=rabbit@localhost"
    eprx_root mkdir -p /etc/rabbitmq
    echo 'NODENAME=rabbit@localhost' | eprx_root tee -a /etc/rabbitmq/rabbitmq-env.conf >/dev/null
  fi

  mkdir -p "$EPRX_SERVICE_LOG_DIR"
  local log="$EPRX_SERVICE_LOG_DIR/rabbitmq-start.log"
  eprx_log "starting RabbitMQ (rabbitmq-server -detached; log: $log, /var/log/rabbitmq/)"
  # Debian's /usr/sbin/rabbitmq-server wrapper drops to the rabbitmq user itself.
  # -detached forks the Erlang VM (and epmd) into the background; its stdio goes to
  # a file so nothing left running keeps our (CI's) output pipe open.
  if ! eprx_root rabbitmq-server -detached </dev/null >>"$log" 2>&1; then
    tail -n 20 "$log" >&2 || true
    eprx_die "rabbitmq-server -detached failed"
  fi

  local waited=0 step=2
  until eprx_tcp_open 127.0.0.1 "$EPRX_RABBIT_PORT"; do
    if [ "$waited" -ge "$EPRX_SERVICE_TIMEOUT" ]; then
      tail -n 20 "$log" >&2 || true
      tail -n 30 /var/log/rabbitmq/rabbit@*.log >&2 2>/dev/null || true
      eprx_die "RabbitMQ did not open 127.0.0.1:$EPRX_RABBIT_PORT within ${EPRX_SERVICE_TIMEOUT}s"
    fi
    sleep "$step"; waited=$((waited + step))
  done
  # Confirm with RabbitMQ's own check (the CLI boots an Erlang VM, ~1-3 s).
  if ! eprx_root rabbitmq-diagnostics -q ping </dev/null >>"$log" 2>&1; then
    tail -n 20 "$log" >&2 || true
    eprx_die "RabbitMQ listens on $EPRX_RABBIT_PORT but 'rabbitmq-diagnostics ping' fails"
  fi
  eprx_log "RabbitMQ ready after ~${waited}s"
}

# ---------------------------------------------------------------- all together

eprx_ensure_services() {
  eprx_ensure_packages
  eprx_ensure_postgres
  eprx_ensure_rabbitmq
  export EPRX_TEST_POSTGRES="${EPRX_TEST_POSTGRES:-Host=127.0.0.1;Port=${EPRX_PG_PORT:-5432};Username=$EPRX_PG_USER;Password=$EPRX_PG_PASSWORD;Database=$EPRX_PG_DATABASE}"
  export EPRX_TEST_RABBITMQ="${EPRX_TEST_RABBITMQ:-amqp://guest:guest@127.0.0.1:$EPRX_RABBIT_PORT/}"
}
