#!/usr/bin/env bash
# Start/stop the real services the somaagent test suite needs, without Docker.
#
#   Postgres 15 and Redis   machine services: checked, started only if down,
#                           never stopped by this script.
#   Apache Kafka (KRaft)    single combined broker+controller, jars from Maven Central.
#   Adobe S3Mock            S3-compatible server (versioning, lifecycle config), Maven Central.
#   pgvector                built from source into the Postgres server when it lacks the extension
#                           (optional: without it the pgvector suites skip).
#
# Run `scripts/services.sh help` for the subcommands and the environment knobs.
set -euo pipefail

# ----------------------------------------------------------------------------
# Configuration (all overridable from the environment)
# ----------------------------------------------------------------------------
SERVICES_HOME="${SOMA_SERVICES_HOME:-${HOME:-/tmp}/.cache/somaagent-services}"
BIND_HOST=127.0.0.1

PG_PORT="${SOMA_SERVICES_PG_PORT:-5432}"
PG_USER="${SOMA_SERVICES_PG_USER:-postgres}"
PG_DB="${SOMA_SERVICES_PG_DB:-test}"
REDIS_PORT="${SOMA_SERVICES_REDIS_PORT:-6379}"

KAFKA_VERSION="${SOMA_SERVICES_KAFKA_VERSION:-4.4.0}"
KAFKA_LOG4J_VERSION="${SOMA_SERVICES_KAFKA_LOG4J_VERSION:-2.25.5}"
KAFKA_PORT="${SOMA_SERVICES_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${SOMA_SERVICES_KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP_OPTS="${SOMA_SERVICES_KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
KAFKA_READY_TIMEOUT="${SOMA_SERVICES_KAFKA_READY_TIMEOUT:-90}"
KAFKA_STOP_TIMEOUT="${SOMA_SERVICES_KAFKA_STOP_TIMEOUT:-30}"

S3MOCK_VERSION="${SOMA_SERVICES_S3MOCK_VERSION:-5.2.0}"
S3_PORT="${SOMA_SERVICES_S3_PORT:-9090}"
S3_HEAP_OPTS="${SOMA_SERVICES_S3_HEAP_OPTS:--Xms64m -Xmx512m}"
S3_READY_TIMEOUT="${SOMA_SERVICES_S3_READY_TIMEOUT:-90}"
S3_STOP_TIMEOUT="${SOMA_SERVICES_S3_STOP_TIMEOUT:-20}"

# 1 = build and install into the server if it lacks the extension, 0 = skip, force = rebuild and reinstall
PGVECTOR_MODE="${SOMA_SERVICES_PGVECTOR:-1}"
# Upstream source as served by Debian's pool; the checksum pins the exact tarball.
PGVECTOR_VERSION=0.8.0
PGVECTOR_SHA256=867a2c328d4928a5a9d6f052cd3bc78c7d60228a9b914ad32aa3db88e9de27b0
PGVECTOR_SOURCE_URL="${SOMA_SERVICES_PGVECTOR_URL:-http://deb.debian.org/debian/pool/main/p/pgvector/pgvector_$PGVECTOR_VERSION.orig.tar.gz}"

MVN_DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

JAVA_BIN="${SOMA_SERVICES_JAVA:-java}"

LOG_DIR="$SERVICES_HOME/logs"
RUN_DIR="$SERVICES_HOME/run"
DATA_DIR="$SERVICES_HOME/data"
CONF_DIR="$SERVICES_HOME/conf"

KAFKA_DIST="$SERVICES_HOME/kafka-$KAFKA_VERSION"
KAFKA_LIB="$KAFKA_DIST/lib"
KAFKA_MARKER="$KAFKA_DIST/.complete"
KAFKA_DATA="$DATA_DIR/kafka"
KAFKA_CONF="$CONF_DIR/kafka-server.properties"
KAFKA_LOG4J_CONF="$CONF_DIR/kafka-log4j2.properties"
KAFKA_ADMIN_CONF="$CONF_DIR/kafka-admin.properties"
KAFKA_PID="$RUN_DIR/kafka.pid"
KAFKA_LOG="$LOG_DIR/kafka.log"

S3MOCK_DIST="$SERVICES_HOME/s3mock-$S3MOCK_VERSION"
S3MOCK_JAR="$S3MOCK_DIST/s3mock-$S3MOCK_VERSION-exec.jar"
S3MOCK_MARKER="$S3MOCK_DIST/.complete"
S3_DATA="$DATA_DIR/s3mock"
S3_PID="$RUN_DIR/s3mock.pid"
S3_LOG="$LOG_DIR/s3mock.log"

PGVECTOR_TARBALL="$SERVICES_HOME/pgvector_$PGVECTOR_VERSION.orig.tar.gz"
PGVECTOR_BUILD="$SERVICES_HOME/pgvector-build"
PGVECTOR_LOG="$LOG_DIR/pgvector.log"

REDIS_LOG=/var/log/redis/ci.log

# ----------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------
info() { printf 'services: %s\n' "$*" >&2; }
die() { printf 'services: ERROR: %s\n' "$*" >&2; exit 1; }

# die_with_log SERVICE ADDRESS MESSAGE LOGFILE
die_with_log() {
  local svc=$1 addr=$2 msg=$3 log=$4
  printf 'services: ERROR: %s (%s): %s\n' "$svc" "$addr" "$msg" >&2
  if [[ -f $log ]]; then
    # only the latest run: from the last "==== ... services.sh: starting" marker on
    local from
    from=$(grep -n '^==== .* services.sh: starting' "$log" 2>/dev/null | tail -n1 | cut -d: -f1 || true)
    printf -- '---- last lines of %s ----\n' "$log" >&2
    tail -n "+${from:-1}" "$log" | tail -n 40 >&2 || true
    printf -- '---- end of %s ----\n' "$log" >&2
  fi
  exit 1
}

# shell-quote a value for `eval` (single quotes)
shq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

ensure_dirs() { mkdir -p "$LOG_DIR" "$RUN_DIR" "$DATA_DIR" "$CONF_DIR"; }

# Serialise concurrent invocations (two `up`s at once, `up` racing `down`).
take_lock() {
  ensure_dirs
  exec 9>"$SERVICES_HOME/.lock"
  flock -w 600 9 || die "could not take lock $SERVICES_HOME/.lock within 600 s"
}

port_open() { # HOST PORT
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

pid_alive() { # PID -- alive and not a zombie
  local pid=$1 state
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
  [[ $state != Z ]]
}

# pid of the process listening on 127.0.0.1:PORT (or the wildcard), if any
port_listener_pid() { # PORT
  ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2 || true
}

# does PID carry our marker -Dsomaagent.service=NAME ?
pid_is_ours() { # PID NAME
  [[ -r /proc/$1/cmdline ]] || return 1
  tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | grep -qx -- "-Dsomaagent.service=$2"
}

# Prints the pid of our running service NAME (pid file, else adopt the listener on PORT).
service_pid() { # NAME PIDFILE PORT
  local name=$1 pidfile=$2 port=$3 pid=""
  if [[ -f $pidfile ]]; then
    pid=$(cat "$pidfile" 2>/dev/null || true)
    if pid_alive "$pid" && pid_is_ours "$pid" "$name"; then
      printf '%s\n' "$pid"
      return 0
    fi
  fi
  pid=$(port_listener_pid "$port")
  if [[ -n $pid ]] && pid_is_ours "$pid" "$name"; then
    printf '%s\n' "$pid" >"$pidfile"
    printf '%s\n' "$pid"
    return 0
  fi
  return 1
}

# Start CMD... detached (own session, survives this script), pid written by the
# process itself before exec so the pid file is exact.
spawn_detached() { # PIDFILE LOGFILE CMD...
  local pidfile=$1 log=$2
  shift 2
  rm -f "$pidfile"
  # shellcheck disable=SC2016 # expanded by the inner bash
  setsid bash -c 'echo $$ >"$1"; shift; exec nohup "$@"' _ "$pidfile" "$@" </dev/null >>"$log" 2>&1 9>&- &
  local i
  for ((i = 0; i < 50; i++)); do
    [[ -s $pidfile ]] && return 0
    sleep 0.1
  done
  die "could not start $* (no pid file $pidfile)"
}

# SIGTERM, wait up to TIMEOUT s, then SIGKILL; returns once PID is gone.
stop_pid() { # NAME PID TIMEOUT
  local name=$1 pid=$2 timeout=$3 i
  pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 10; i++)); do
    pid_alive "$pid" || return 0
    sleep 0.1
  done
  info "$name (pid $pid) did not stop within ${timeout}s after SIGTERM; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    pid_alive "$pid" || return 0
    sleep 0.1
  done
  die "$name (pid $pid) still alive 10 s after SIGKILL"
}

wait_port_closed() { # NAME PORT TIMEOUT
  local name=$1 port=$2 timeout=$3 i
  for ((i = 0; i < timeout * 10; i++)); do
    port_open "$BIND_HOST" "$port" || return 0
    sleep 0.1
  done
  die "$name: $BIND_HOST:$port still accepting connections ${timeout}s after the process stopped"
}

rotate_log() { # LOGFILE -- keep logs bounded across many restarts
  local log=$1
  if [[ -f $log ]] && (($(stat -c %s "$log") > 50 * 1024 * 1024)); then
    mv -f "$log" "$log.1"
  fi
}

check_java() {
  command -v "$JAVA_BIN" >/dev/null 2>&1 || die "java not found (set SOMA_SERVICES_JAVA to a Java 17+ binary)"
  local v major
  v=$("$JAVA_BIN" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2; exit}')
  major=${v%%.*}
  if ! [[ $major =~ ^[0-9]+$ ]] || ((major < 17)); then
    die "$JAVA_BIN is Java '${v:-?}', Java 17+ is required (set SOMA_SERVICES_JAVA)"
  fi
}

# ----------------------------------------------------------------------------
# Maven Central downloads (cached; marker file => no mvn on warm runs)
# ----------------------------------------------------------------------------
write_kafka_pom() { # FILE
  cat >"$1" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- generated by scripts/services.sh: runtime classpath of a Kafka broker + tools -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>somaagent.services</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>$KAFKA_LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$KAFKA_LOG4J_VERSION</version></dependency>
  </dependencies>
</project>
EOF
}

fetch_kafka() {
  [[ -f $KAFKA_MARKER && -d $KAFKA_LIB ]] && return 0
  command -v mvn >/dev/null 2>&1 || die "mvn not found; it is needed once to fetch the Kafka jars"
  info "fetching Kafka $KAFKA_VERSION jars from Maven Central…"
  mkdir -p "$KAFKA_DIST"
  write_kafka_pom "$KAFKA_DIST/pom.xml"
  rm -rf "$KAFKA_LIB.tmp"
  local mlog="$LOG_DIR/mvn-kafka.log"
  if ! mvn -B -q -f "$KAFKA_DIST/pom.xml" "$MVN_DEP_PLUGIN:copy-dependencies" \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIB.tmp" >"$mlog" 2>&1; then
    die_with_log kafka "Maven Central" "mvn could not fetch org.apache.kafka:kafka_2.13:$KAFKA_VERSION" "$mlog"
  fi
  compgen -G "$KAFKA_LIB.tmp/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null ||
    die_with_log kafka "Maven Central" "kafka_2.13-$KAFKA_VERSION.jar missing after mvn" "$mlog"
  rm -rf "$KAFKA_LIB"
  mv "$KAFKA_LIB.tmp" "$KAFKA_LIB"
  touch "$KAFKA_MARKER"
}

fetch_s3mock() {
  [[ -f $S3MOCK_MARKER && -f $S3MOCK_JAR ]] && return 0
  command -v mvn >/dev/null 2>&1 || die "mvn not found; it is needed once to fetch S3Mock"
  info "fetching S3Mock $S3MOCK_VERSION (exec jar) from Maven Central…"
  mkdir -p "$S3MOCK_DIST"
  local mlog="$LOG_DIR/mvn-s3mock.log"
  # copy needs no project; run it from the (empty) dist dir.
  if ! (cd "$S3MOCK_DIST" && mvn -B -q "$MVN_DEP_PLUGIN:copy" \
    -Dartifact="com.adobe.testing:s3mock:$S3MOCK_VERSION:jar:exec" \
    -DoutputDirectory="$S3MOCK_DIST" >"$mlog" 2>&1); then
    die_with_log s3mock "Maven Central" "mvn could not fetch com.adobe.testing:s3mock:$S3MOCK_VERSION:jar:exec" "$mlog"
  fi
  [[ -f $S3MOCK_JAR ]] || die_with_log s3mock "Maven Central" "$S3MOCK_JAR missing after mvn" "$mlog"
  touch "$S3MOCK_MARKER"
}

# ----------------------------------------------------------------------------
# Postgres
# ----------------------------------------------------------------------------
pg_up() { timeout 5 pg_isready -q -h "$BIND_HOST" -p "$PG_PORT" >/dev/null 2>&1; }

postgres_log() { # newest cluster log, for error messages
  find /var/log/postgresql -maxdepth 1 -name 'postgresql-*.log' -printf '%T@ %p\n' 2>/dev/null |
    sort -rn | head -n1 | cut -d' ' -f2- || true
}

start_postgres() {
  command -v pg_isready >/dev/null 2>&1 || die "postgres: pg_isready not found (apt-get install postgresql-client)"
  if ! pg_up; then
    local ver
    ver=$(find /etc/postgresql -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null | sort -V | tail -n1 || true)
    [[ -n $ver ]] || die "postgres ($BIND_HOST:$PG_PORT): not running and no cluster under /etc/postgresql"
    info "starting Postgres $ver/main…"
    pg_ctlcluster --skip-systemctl-redirect "$ver" main start >&2 ||
      die_with_log postgres "$BIND_HOST:$PG_PORT" "pg_ctlcluster $ver main start failed" "$(postgres_log)"
    local i
    for ((i = 0; i < 300; i++)); do
      pg_up && break
      sleep 0.1
    done
    pg_up || die_with_log postgres "$BIND_HOST:$PG_PORT" "not accepting connections after 30 s" "$(postgres_log)"
  fi
  # The test URL uses user $PG_USER with trust auth; make sure it works and the db exists.
  if ! psql -h "$BIND_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" -w -Atqc 'select 1' >/dev/null 2>&1; then
    if psql -h "$BIND_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -w -Atqc 'select 1' >/dev/null 2>&1; then
      info "creating Postgres database $PG_DB"
      psql -h "$BIND_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -w -qc "CREATE DATABASE \"$PG_DB\"" >&2 ||
        die "postgres ($BIND_HOST:$PG_PORT): could not create database $PG_DB"
    else
      die "postgres ($BIND_HOST:$PG_PORT): user '$PG_USER' cannot log in without a password (trust auth expected)"
    fi
  fi
}

# ----------------------------------------------------------------------------
# pgvector (built from the upstream source into the running Postgres server)
# ----------------------------------------------------------------------------
pg_sql() { # DB SQL -- one value per line, empty on any error
  timeout 10 psql -h "$BIND_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$1" -w -X -Atq -c "$2" 2>/dev/null || true
}

pgvector_available() { [[ $(pg_sql "$PG_DB" "select 1 from pg_available_extensions where name = 'vector'") == 1 ]]; }

pgvector_warn() { # REASON
  printf 'services: WARNING: pgvector: %s\n' "$1" >&2
  if pgvector_available; then
    printf 'services: WARNING: continuing with the pgvector the server already has\n' >&2
  else
    printf 'services: WARNING: continuing without pgvector; the pgvector suites skip (SOMA_TEST_PGVECTOR_URL is not exported)\n' >&2
  fi
}

# Tail of the build log, for warnings.
pgvector_log_tail() {
  printf -- '---- last lines of %s ----\n' "$PGVECTOR_LOG" >&2
  tail -n 20 "$PGVECTOR_LOG" >&2 || true
  printf -- '---- end of %s ----\n' "$PGVECTOR_LOG" >&2
}

# apt-get install PACKAGES...; `apt-get update` first only when the install fails (stale or empty lists).
pgvector_apt_install() {
  local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -y -q)
  "${apt[@]}" install --no-install-recommends "$@" >>"$PGVECTOR_LOG" 2>&1 && return 0
  info "pgvector: apt-get install $* failed; running apt-get update and trying again…"
  "${apt[@]}" update >>"$PGVECTOR_LOG" 2>&1 || return 1
  "${apt[@]}" install --no-install-recommends "$@" >>"$PGVECTOR_LOG" 2>&1
}

# Builds pgvector for the server's major version and installs it (make install). Never exits the script:
# on any failure it prints why and returns 1.
pgvector_build_install() {
  local num major pg_config packages=() actual t0=$SECONDS
  if ((EUID != 0)); then
    pgvector_warn "installing pgvector needs root (apt-get, make install into the server's directories); run 'scripts/services.sh up' as root, or install pgvector $PGVECTOR_VERSION for this server yourself"
    return 1
  fi
  num=$(pg_sql "$PG_DB" 'show server_version_num')
  if ! [[ $num =~ ^[0-9]+$ ]]; then
    pgvector_warn "could not read the server version from $BIND_HOST:$PG_PORT"
    return 1
  fi
  major=$((num / 10000))
  pg_config=/usr/lib/postgresql/$major/bin/pg_config
  mkdir -p "$LOG_DIR"
  printf '==== %s services.sh: pgvector %s for PostgreSQL %s ====\n' "$(date -Is)" "$PGVECTOR_VERSION" "$major" >>"$PGVECTOR_LOG"

  # Server headers (postgresql-server-dev-<major>) and a C toolchain.
  if ! [[ -x $pg_config && -f $("$pg_config" --includedir-server 2>/dev/null)/postgres.h ]]; then
    packages+=("postgresql-server-dev-$major")
  fi
  command -v make >/dev/null 2>&1 || packages+=(make)
  command -v gcc >/dev/null 2>&1 || packages+=(gcc)
  if ((${#packages[@]} > 0)); then
    if ! command -v apt-get >/dev/null 2>&1; then
      pgvector_warn "no apt-get to install ${packages[*]} (the PostgreSQL $major server headers and a C toolchain are needed to build pgvector)"
      return 1
    fi
    info "pgvector: apt-get install ${packages[*]}…"
    if ! pgvector_apt_install "${packages[@]}"; then
      pgvector_log_tail
      pgvector_warn "apt-get install ${packages[*]} failed (see $PGVECTOR_LOG)"
      return 1
    fi
  fi
  if ! [[ -x $pg_config ]]; then
    pgvector_warn "$pg_config not found after installing postgresql-server-dev-$major (is the server a Debian PostgreSQL $major?)"
    return 1
  fi

  # Source tarball, cached; the checksum is checked on every use.
  actual=$(sha256sum "$PGVECTOR_TARBALL" 2>/dev/null | cut -d' ' -f1 || true)
  if [[ $actual != "$PGVECTOR_SHA256" ]]; then
    info "pgvector: downloading $PGVECTOR_SOURCE_URL…"
    rm -f "$PGVECTOR_TARBALL.tmp"
    if ! curl -fsSL --retry 2 --connect-timeout 15 -m 300 -o "$PGVECTOR_TARBALL.tmp" "$PGVECTOR_SOURCE_URL" 2>>"$PGVECTOR_LOG"; then
      rm -f "$PGVECTOR_TARBALL.tmp"
      pgvector_warn "could not download $PGVECTOR_SOURCE_URL ($(tail -n1 "$PGVECTOR_LOG"))"
      return 1
    fi
    actual=$(sha256sum "$PGVECTOR_TARBALL.tmp" | cut -d' ' -f1)
    if [[ $actual != "$PGVECTOR_SHA256" ]]; then
      rm -f "$PGVECTOR_TARBALL.tmp"
      pgvector_warn "$PGVECTOR_SOURCE_URL has sha256 $actual, expected $PGVECTOR_SHA256; not building it"
      return 1
    fi
    mv -f "$PGVECTOR_TARBALL.tmp" "$PGVECTOR_TARBALL"
  fi

  # Fresh build tree every time: a half-finished build never leaks into the next one.
  rm -rf "$PGVECTOR_BUILD"
  mkdir -p "$PGVECTOR_BUILD"
  if ! tar -xzf "$PGVECTOR_TARBALL" -C "$PGVECTOR_BUILD" --strip-components=1 >>"$PGVECTOR_LOG" 2>&1; then
    pgvector_log_tail
    pgvector_warn "could not unpack $PGVECTOR_TARBALL"
    return 1
  fi
  info "pgvector: building $PGVECTOR_VERSION for PostgreSQL $major…"
  if ! make -C "$PGVECTOR_BUILD" -j"$(nproc)" PG_CONFIG="$pg_config" >>"$PGVECTOR_LOG" 2>&1; then
    pgvector_log_tail
    pgvector_warn "the build failed (see $PGVECTOR_LOG)"
    return 1
  fi
  if ! make -C "$PGVECTOR_BUILD" install PG_CONFIG="$pg_config" >>"$PGVECTOR_LOG" 2>&1; then
    pgvector_log_tail
    pgvector_warn "make install failed (see $PGVECTOR_LOG)"
    return 1
  fi
  info "pgvector: $PGVECTOR_VERSION installed into $("$pg_config" --pkglibdir) ($((SECONDS - t0))s)"
}

# The `up` step: make the vector extension available on the server and create it in $PG_DB. Never fails `up`.
ensure_pgvector() {
  case $PGVECTOR_MODE in
    0)
      info "pgvector: skipped (SOMA_SERVICES_PGVECTOR=0)"
      return 0
      ;;
    1 | force) ;;
    *)
      pgvector_warn "SOMA_SERVICES_PGVECTOR=$PGVECTOR_MODE is not one of 1, 0, force"
      return 0
      ;;
  esac
  if [[ $PGVECTOR_MODE == force ]] || ! pgvector_available; then
    pgvector_build_install || return 0
    if ! pgvector_available; then
      pgvector_warn "installed, but the server at $BIND_HOST:$PG_PORT still lists no vector extension (is it another PostgreSQL installation than /usr/lib/postgresql/<major>?)"
      return 0
    fi
  fi
  # The adapter's migration creates the extension itself when its role may; creating it here once, as the
  # superuser, also serves roles that may not.
  local out
  if ! out=$(timeout 30 psql -h "$BIND_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" -w -X -q -v ON_ERROR_STOP=1 \
    -c 'CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public' 2>&1); then
    pgvector_warn "available on the server, but CREATE EXTENSION vector in database $PG_DB failed: ${out//$'\n'/ }"
    return 0
  fi
  info "pgvector $(pg_sql "$PG_DB" "select extversion from pg_extension where extname = 'vector'") ready in database $PG_DB"
}

# ----------------------------------------------------------------------------
# Redis
# ----------------------------------------------------------------------------
redis_up() { [[ $(timeout 5 redis-cli -h "$BIND_HOST" -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]; }

start_redis() {
  command -v redis-cli >/dev/null 2>&1 || die "redis: redis-cli not found (apt-get install redis-server)"
  redis_up && return 0
  info "starting Redis on $BIND_HOST:$REDIS_PORT…"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir /var/lib/redis --logfile "$REDIS_LOG" >&2 ||
    die_with_log redis "$BIND_HOST:$REDIS_PORT" "redis-server failed to start" "$REDIS_LOG"
  local i
  for ((i = 0; i < 300; i++)); do
    redis_up && return 0
    sleep 0.1
  done
  die_with_log redis "$BIND_HOST:$REDIS_PORT" "no PONG after 30 s" "$REDIS_LOG"
}

# ----------------------------------------------------------------------------
# Kafka (KRaft, combined broker + controller, node id 1)
# ----------------------------------------------------------------------------
kafka_classpath() { printf '%s/*' "$KAFKA_LIB"; }

write_kafka_config() {
  cat >"$KAFKA_CONF" <<EOF
# generated by scripts/services.sh -- single-node KRaft broker+controller for tests
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$BIND_HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$BIND_HOST:$KAFKA_PORT,CONTROLLER://$BIND_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$BIND_HOST:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DATA
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=true
delete.topic.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# fast re-registration after a SIGKILL (the dead incarnation's registration must expire first)
broker.session.timeout.ms=4000
broker.heartbeat.interval.ms=1000
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=24
log.segment.bytes=67108864
EOF
  cat >"$KAFKA_LOG4J_CONF" <<'EOF'
# generated by scripts/services.sh -- broker logs go to stdout, redirected to logs/kafka.log
status = warn
name = somaagent-kafka
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.cleaner.name = kafka.log.LogCleaner
logger.cleaner.level = WARN
EOF
  cat >"$KAFKA_ADMIN_CONF" <<'EOF'
request.timeout.ms=5000
default.api.timeout.ms=8000
EOF
}

kafka_pid() { service_pid kafka "$KAFKA_PID" "$KAFKA_PORT"; }

kafka_java() { # run a short-lived Kafka tool class on the broker classpath (quiet logging)
  "$JAVA_BIN" -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dlog4j2.level=WARN \
    -cp "$(kafka_classpath)" "$@"
}

kafka_format_if_needed() {
  [[ -f $KAFKA_DATA/meta.properties ]] && return 0
  mkdir -p "$KAFKA_DATA"
  local cluster_id flog="$LOG_DIR/kafka-format.log"
  # 16 random bytes, base64url without padding = a Kafka Uuid
  # A base64url id may start with "-": passed as --cluster-id=ID so the argument parser never takes it for an option.
  cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
  info "formatting Kafka KRaft storage in $KAFKA_DATA (cluster id $cluster_id)…"
  if ! kafka_java kafka.tools.StorageTool format --ignore-formatted \
    --cluster-id="$cluster_id" --config "$KAFKA_CONF" >"$flog" 2>&1; then
    die_with_log kafka "$BIND_HOST:$KAFKA_PORT" "kafka.tools.StorageTool format failed" "$flog"
  fi
}

# fail early if a foreign process holds our ports (no-op when our broker runs)
kafka_preflight() {
  if kafka_pid >/dev/null; then
    return 0
  fi
  if port_open "$BIND_HOST" "$KAFKA_PORT"; then
    die "kafka: $BIND_HOST:$KAFKA_PORT is already in use by a process this script did not start (pid $(port_listener_pid "$KAFKA_PORT"))"
  fi
  if port_open "$BIND_HOST" "$KAFKA_CONTROLLER_PORT"; then
    die "kafka: controller port $BIND_HOST:$KAFKA_CONTROLLER_PORT is already in use (pid $(port_listener_pid "$KAFKA_CONTROLLER_PORT"))"
  fi
}

# launch the broker if not running (does not wait)
kafka_launch() {
  if kafka_pid >/dev/null; then
    return 0
  fi
  kafka_preflight
  check_java
  write_kafka_config
  kafka_format_if_needed
  rotate_log "$KAFKA_LOG"
  printf '==== %s services.sh: starting Kafka %s ====\n' "$(date -Is)" "$KAFKA_VERSION" >>"$KAFKA_LOG"
  info "starting Kafka $KAFKA_VERSION on $BIND_HOST:$KAFKA_PORT…"
  # shellcheck disable=SC2086 # heap opts are a word list on purpose
  spawn_detached "$KAFKA_PID" "$KAFKA_LOG" \
    "$JAVA_BIN" -Dsomaagent.service=kafka $KAFKA_HEAP_OPTS \
    -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_LOG4J_CONF" -Dkafka.logs.dir="$LOG_DIR" \
    -cp "$(kafka_classpath)" kafka.Kafka "$KAFKA_CONF"
}

# Does the broker answer a real Metadata request (v4, all topics) listing >= 1 broker?
# Pure bash over /dev/tcp, so it costs milliseconds instead of a JVM start. The broker
# only opens its PLAINTEXT acceptor once it is registered and unfenced.
kafka_probe() { # HOST PORT
  local out
  # request: size=19 | api_key=3 (Metadata) | version=4 | correlation_id=8 | client_id "soma"
  #          | topics=null (-1) | allow_auto_topic_creation=false
  # response: size | correlation_id | throttle_time_ms | brokers count | ...
  # shellcheck disable=SC2016 # expanded by the inner bash
  out=$(timeout 3 bash -c '
    exec 3<>"/dev/tcp/$1/$2"
    printf "\x00\x00\x00\x13\x00\x03\x00\x04\x00\x00\x00\x08\x00\x04soma\xff\xff\xff\xff\x00" >&3
    head -c 16 <&3 | od -An -v -tx1' _ "$1" "$2" 2>/dev/null) || return 1
  out=${out//[[:space:]]/}
  [[ ${#out} -eq 32 && ${out:8:8} == 00000008 && ${out:24:8} != 00000000 ]]
}

kafka_topic_list() { # slower fallback check through the real admin client
  timeout 30 "$JAVA_BIN" -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dlog4j2.level=OFF \
    -cp "$(kafka_classpath)" org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "$BIND_HOST:$KAFKA_PORT" --command-config "$KAFKA_ADMIN_CONF" --list >/dev/null 2>&1
}

# wait until the broker answers a real metadata request
kafka_wait_ready() {
  local addr="$BIND_HOST:$KAFKA_PORT" deadline pid last_fallback=$SECONDS
  deadline=$((SECONDS + KAFKA_READY_TIMEOUT))
  pid=$(cat "$KAFKA_PID" 2>/dev/null || true)
  while ((SECONDS < deadline)); do
    pid_alive "$pid" || die_with_log kafka "$addr" "broker process (pid ${pid:-?}) exited during startup" "$KAFKA_LOG"
    if port_open "$BIND_HOST" "$KAFKA_PORT"; then
      kafka_probe "$BIND_HOST" "$KAFKA_PORT" && return 0
      # should the wire probe not fit this Kafka version, ask the admin client now and then
      if ((SECONDS - last_fallback >= 10)); then
        last_fallback=$SECONDS
        kafka_topic_list && return 0
      fi
    fi
    sleep 0.2
  done
  die_with_log kafka "$addr" "broker not answering metadata requests after ${KAFKA_READY_TIMEOUT}s" "$KAFKA_LOG"
}

kafka_start() {
  fetch_kafka
  kafka_launch
  kafka_wait_ready
  info "kafka up on $BIND_HOST:$KAFKA_PORT (pid $(cat "$KAFKA_PID"))"
}

kafka_stop() {
  local pid
  if pid=$(kafka_pid); then
    info "stopping Kafka (pid $pid)…"
    stop_pid kafka "$pid" "$KAFKA_STOP_TIMEOUT"
  elif port_open "$BIND_HOST" "$KAFKA_PORT"; then
    die "kafka: $BIND_HOST:$KAFKA_PORT is served by a process this script did not start (pid $(port_listener_pid "$KAFKA_PORT")); not stopping it"
  fi
  rm -f "$KAFKA_PID"
  wait_port_closed kafka "$KAFKA_PORT" 10
  wait_port_closed kafka-controller "$KAFKA_CONTROLLER_PORT" 10
}

# ----------------------------------------------------------------------------
# S3Mock
# ----------------------------------------------------------------------------
s3_pid() { service_pid s3mock "$S3_PID" "$S3_PORT"; }

s3_ready() {
  curl -fsS -m 3 "http://$BIND_HOST:$S3_PORT/" 2>/dev/null | grep -q ListAllMyBucketsResult
}

s3_preflight() {
  if s3_pid >/dev/null; then
    return 0
  fi
  if port_open "$BIND_HOST" "$S3_PORT"; then
    die "s3mock: $BIND_HOST:$S3_PORT is already in use by a process this script did not start (pid $(port_listener_pid "$S3_PORT"))"
  fi
}

s3_launch() {
  if s3_pid >/dev/null; then
    return 0
  fi
  s3_preflight
  check_java
  local retain=false
  if [[ ${SOMA_SERVICES_S3_RETAIN:-0} == 1 ]]; then
    retain=true
  else
    rm -rf "$S3_DATA" # fresh, empty store on every start
  fi
  mkdir -p "$S3_DATA"
  rotate_log "$S3_LOG"
  printf '==== %s services.sh: starting S3Mock %s ====\n' "$(date -Is)" "$S3MOCK_VERSION" >>"$S3_LOG"
  info "starting S3Mock $S3MOCK_VERSION on http://$BIND_HOST:$S3_PORT…"
  # Main (Spring) connector = plain HTTP on loopback. S3Mock always adds a second
  # plain-HTTP connector (com.adobe.testing.s3mock.http-port) that cannot be bound
  # to one address; port 0 gives it a random free port.
  # shellcheck disable=SC2086 # heap opts are a word list on purpose
  spawn_detached "$S3_PID" "$S3_LOG" \
    "$JAVA_BIN" -Dsomaagent.service=s3mock $S3_HEAP_OPTS -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -jar "$S3MOCK_JAR" \
    --server.address="$BIND_HOST" \
    --server.port="$S3_PORT" \
    --server.ssl.enabled=false \
    --com.adobe.testing.s3mock.http-port=0 \
    --com.adobe.testing.s3mock.store.root="$S3_DATA" \
    --com.adobe.testing.s3mock.store.retain-files-on-exit="$retain" \
    --com.adobe.testing.s3mock.store.region=us-east-1 \
    --com.adobe.testing.s3mock.max-payload-size=256MB \
    --spring.main.banner-mode=off
}

s3_wait_ready() {
  local addr="http://$BIND_HOST:$S3_PORT" deadline pid
  deadline=$((SECONDS + S3_READY_TIMEOUT))
  pid=$(cat "$S3_PID" 2>/dev/null || true)
  while ((SECONDS < deadline)); do
    pid_alive "$pid" || die_with_log s3mock "$addr" "S3Mock process (pid ${pid:-?}) exited during startup" "$S3_LOG"
    s3_ready && return 0
    sleep 0.3
  done
  die_with_log s3mock "$addr" "no ListBuckets answer after ${S3_READY_TIMEOUT}s" "$S3_LOG"
}

s3_stop() {
  local pid
  if pid=$(s3_pid); then
    info "stopping S3Mock (pid $pid)…"
    stop_pid s3mock "$pid" "$S3_STOP_TIMEOUT"
  elif port_open "$BIND_HOST" "$S3_PORT"; then
    die "s3mock: $BIND_HOST:$S3_PORT is served by a process this script did not start (pid $(port_listener_pid "$S3_PORT")); not stopping it"
  fi
  rm -f "$S3_PID"
  wait_port_closed s3mock "$S3_PORT" 10
}

# ----------------------------------------------------------------------------
# Subcommands
# ----------------------------------------------------------------------------
cmd_up() {
  take_lock
  local t0=$SECONDS
  kafka_preflight
  s3_preflight
  start_postgres
  ensure_pgvector
  start_redis
  fetch_kafka
  fetch_s3mock
  # launch both JVMs, then wait for both (they start in parallel)
  kafka_launch
  s3_launch
  kafka_wait_ready
  info "kafka ready on $BIND_HOST:$KAFKA_PORT ($((SECONDS - t0))s)"
  s3_wait_ready
  info "s3mock ready on http://$BIND_HOST:$S3_PORT ($((SECONDS - t0))s)"
  info "all services up in $((SECONDS - t0))s (kafka pid $(cat "$KAFKA_PID"), s3mock pid $(cat "$S3_PID"))"
}

cmd_down() {
  take_lock
  local purge=0
  [[ ${1:-} == --purge ]] && purge=1
  kafka_stop
  s3_stop
  if ((purge)); then
    info "removing Kafka and S3Mock data under $DATA_DIR"
    rm -rf "$KAFKA_DATA" "$S3_DATA"
  fi
  info "kafka and s3mock stopped (postgres and redis left running)"
}

cmd_status() {
  local ok=0 pid
  if pg_up; then
    printf '%-9s up    %s\n' postgres "postgres://$PG_USER@$BIND_HOST:$PG_PORT/$PG_DB"
  else
    printf '%-9s down  %s\n' postgres "$BIND_HOST:$PG_PORT"
    ok=1
  fi
  if redis_up; then
    printf '%-9s up    %s\n' redis "redis://$BIND_HOST:$REDIS_PORT"
  else
    printf '%-9s down  %s\n' redis "redis://$BIND_HOST:$REDIS_PORT"
    ok=1
  fi
  if kafka_probe "$BIND_HOST" "$KAFKA_PORT"; then
    if pid=$(kafka_pid); then
      printf '%-9s up    %s (pid %s, Kafka %s)\n' kafka "$BIND_HOST:$KAFKA_PORT" "$pid" "$KAFKA_VERSION"
    else
      printf '%-9s up    %s (not started by this script)\n' kafka "$BIND_HOST:$KAFKA_PORT"
    fi
  else
    if pid=$(kafka_pid); then
      printf '%-9s down  %s (pid %s alive but not answering; see %s)\n' kafka "$BIND_HOST:$KAFKA_PORT" "$pid" "$KAFKA_LOG"
    else
      printf '%-9s down  %s\n' kafka "$BIND_HOST:$KAFKA_PORT"
    fi
    ok=1
  fi
  if s3_ready; then
    if pid=$(s3_pid); then
      printf '%-9s up    %s (pid %s, S3Mock %s)\n' s3mock "http://$BIND_HOST:$S3_PORT" "$pid" "$S3MOCK_VERSION"
    else
      printf '%-9s up    %s (not started by this script)\n' s3mock "http://$BIND_HOST:$S3_PORT"
    fi
  else
    if pid=$(s3_pid); then
      printf '%-9s down  %s (pid %s alive but not answering; see %s)\n' s3mock "http://$BIND_HOST:$S3_PORT" "$pid" "$S3_LOG"
    else
      printf '%-9s down  %s\n' s3mock "http://$BIND_HOST:$S3_PORT"
    fi
    ok=1
  fi
  local vector created
  if pgvector_available; then
    vector=$(pg_sql "$PG_DB" "select extversion from pg_extension where extname = 'vector'")
    created="not yet created in $PG_DB"
    [[ -n $vector ]] && created="created in $PG_DB: $vector"
    printf '%-9s up    %s (server has %s; %s)\n' pgvector "postgres://$PG_USER@$BIND_HOST:$PG_PORT/$PG_DB" \
      "$(pg_sql "$PG_DB" "select default_version from pg_available_extensions where name = 'vector'")" "$created"
  elif pg_up; then
    printf '%-9s n/a   (the server has no vector extension; `up` as root builds it)\n' pgvector
  else
    printf '%-9s n/a   (postgres is down)\n' pgvector
  fi
  if [[ -n ${SOMA_TEST_QDRANT_URL:-} ]]; then
    printf '%-9s ext   %s (not managed here)\n' qdrant "$SOMA_TEST_QDRANT_URL"
  else
    printf '%-9s n/a   (not available; set SOMA_TEST_QDRANT_URL to use one)\n' qdrant
  fi
  return "$ok"
}

cmd_env() {
  local k v
  while IFS='=' read -r k v; do
    printf 'export %s=%s\n' "$k" "$(shq "$v")"
  done <<EOF
SOMA_TEST_POSTGRES_URL=postgres://$PG_USER@$BIND_HOST:$PG_PORT/$PG_DB
SOMA_TEST_REDIS_URL=redis://$BIND_HOST:$REDIS_PORT
SOMA_TEST_KAFKA_BROKERS=$BIND_HOST:$KAFKA_PORT
SOMA_KAFKA_CLASSPATH=$(kafka_classpath)
SOMA_TEST_S3_ENDPOINT=http://$BIND_HOST:$S3_PORT
SOMA_TEST_S3_REGION=us-east-1
SOMA_TEST_S3_ACCESS_KEY=test
SOMA_TEST_S3_SECRET_KEY=test
EOF
  if pgvector_available; then
    printf 'export %s=%s\n' SOMA_TEST_PGVECTOR_URL "$(shq "postgres://$PG_USER@$BIND_HOST:$PG_PORT/$PG_DB")"
  fi
  if [[ -n ${SOMA_TEST_QDRANT_URL:-} ]]; then
    printf 'export %s=%s\n' SOMA_TEST_QDRANT_URL "$(shq "$SOMA_TEST_QDRANT_URL")"
  fi
}

cmd_kafka_tool() { # CLASS ARGS... -- run a Kafka CLI class on the cached classpath
  [[ $# -ge 1 ]] || die "usage: $0 kafka-tool <main class> [args...]"
  fetch_kafka
  check_java
  # full JIT, default heap: fine for ProducerPerformance-style benchmarks too
  "$JAVA_BIN" -Dlog4j2.level="${SOMA_SERVICES_KAFKA_TOOL_LOG_LEVEL:-WARN}" -cp "$(kafka_classpath)" "$@"
}

cmd_help() {
  cat <<EOF
Usage: scripts/services.sh <command>

Starts the services the somaagent tests need, without Docker.

Commands:
  up              start everything (idempotent): Postgres, Redis (only if down),
                  Kafka $KAFKA_VERSION (KRaft) and S3Mock $S3MOCK_VERSION; first run fetches
                  the jars from Maven Central into the cache. If the Postgres server
                  lacks the vector extension, builds pgvector $PGVECTOR_VERSION from source and
                  installs it (needs root: apt-get install postgresql-server-dev-<major>,
                  make install); if that cannot be done it warns and goes on
  pgvector        only the pgvector step of up
  down [--purge]  stop Kafka and S3Mock (Postgres and Redis are left alone);
                  --purge also deletes their data
  status          one line per service; exit 0 if all are up, 1 otherwise
                  (pgvector and qdrant are optional and do not count)
  env             print export lines: eval "\$(scripts/services.sh env)"
                  (SOMA_TEST_PGVECTOR_URL only when the server has pgvector)
  kafka-stop      stop only the Kafka broker (SIGTERM, SIGKILL after ${KAFKA_STOP_TIMEOUT}s),
                  return once its ports are closed; data is kept
  kafka-start     start only the Kafka broker; return once it answers requests
  kafka-restart   kafka-stop + kafka-start
  kafka-tool CLASS [ARGS...]
                  run a Kafka CLI class on the cached classpath, e.g.
                  kafka-tool org.apache.kafka.tools.TopicCommand --bootstrap-server $BIND_HOST:$KAFKA_PORT --list
  help            this text

Addresses: postgres $BIND_HOST:$PG_PORT, redis $BIND_HOST:$REDIS_PORT,
  kafka $BIND_HOST:$KAFKA_PORT (controller $BIND_HOST:$KAFKA_CONTROLLER_PORT), s3 http://$BIND_HOST:$S3_PORT

Environment:
  SOMA_SERVICES_HOME   cache/data/logs folder (now: $SERVICES_HOME)
  SOMA_SERVICES_KAFKA_PORT, SOMA_SERVICES_KAFKA_CONTROLLER_PORT, SOMA_SERVICES_S3_PORT, SOMA_SERVICES_PG_PORT, SOMA_SERVICES_REDIS_PORT
  SOMA_SERVICES_KAFKA_VERSION, SOMA_SERVICES_S3MOCK_VERSION, SOMA_SERVICES_JAVA (Java 17+ binary)
  SOMA_SERVICES_KAFKA_HEAP_OPTS, SOMA_SERVICES_S3_HEAP_OPTS, SOMA_SERVICES_KAFKA_READY_TIMEOUT, SOMA_SERVICES_S3_READY_TIMEOUT,
  SOMA_SERVICES_KAFKA_STOP_TIMEOUT, SOMA_SERVICES_S3_RETAIN=1 (keep S3 objects across S3Mock restarts)
  SOMA_SERVICES_PGVECTOR=1 (default: build pgvector if the server lacks it), 0 (skip the step),
    force (rebuild and reinstall pgvector $PGVECTOR_VERSION even if the server has the extension)
  SOMA_SERVICES_PGVECTOR_URL (source tarball; default Debian's pool, must have sha256 ${PGVECTOR_SHA256:0:12}…)
  SOMA_TEST_QDRANT_URL (passed through by env if set; no Qdrant is started)
Logs: $LOG_DIR/{kafka,s3mock,pgvector}.log
EOF
}

main() {
  local cmd=${1:-help}
  [[ $# -gt 0 ]] && shift
  case $cmd in
    up) cmd_up ;;
    down) cmd_down "$@" ;;
    status) cmd_status ;;
    env) cmd_env ;;
    kafka-stop)
      take_lock
      kafka_stop
      info "kafka stopped"
      ;;
    kafka-start)
      take_lock
      kafka_start
      ;;
    kafka-restart)
      take_lock
      kafka_stop
      kafka_start
      ;;
    pgvector)
      take_lock
      pg_up || die "postgres ($BIND_HOST:$PG_PORT) is not running; run scripts/services.sh up"
      ensure_pgvector
      ;;
    kafka-tool) cmd_kafka_tool "$@" ;;
    help | -h | --help) cmd_help ;;
    *)
      cmd_help >&2
      die "unknown command: $cmd"
      ;;
  esac
}

main "$@"
