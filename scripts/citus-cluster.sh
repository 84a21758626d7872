#!/usr/bin/env bash
# A three-node Citus cluster on loopback for tests and benchmarks: a coordinator and two workers,
# each an ordinary PostgreSQL 15 instance with `shared_preload_libraries = 'citus'`, run as a
# non-root OS user (PostgreSQL refuses to run as root).
#
#   scripts/citus-cluster.sh start [DIR]   initialises and starts the nodes under DIR (default
#                                          .data/citus), registers the workers, and prints the
#                                          environment to reach it (DATABASE_URL, CITUS_WORKER_URLS)
#   scripts/citus-cluster.sh env [DIR]     prints that environment again
#   scripts/citus-cluster.sh stop [DIR]    stops the nodes and removes DIR
#
# Needs PostgreSQL 15 and the Citus extension installed into it (Debian: postgresql-15; Citus
# from its packages, or built from source). Trust authentication on 127.0.0.1 only.
set -euo pipefail

command=${1:-}
dir=$(realpath -m "${2:-.data/citus}")
bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
nodes=(coordinator worker1 worker2)

# Runs a command as the owner of the cluster's files: the caller, or `postgres` when that is root.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u "${CITUS_OS_USER:-postgres}" -- "$@"; else "$@"; fi
}

free_port() {
  node -e 'const s = require("node:net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

port_of() { cat "$dir/$1/port"; }

print_env() {
  local workers=()
  for node in worker1 worker2; do workers+=("postgres://postgres@127.0.0.1:$(port_of "$node")/postgres"); done
  echo "DATABASE_URL=postgres://postgres@127.0.0.1:$(port_of coordinator)/postgres"
  echo "CITUS_WORKER_URLS=$(IFS=,; echo "${workers[*]}")"
}

psql_node() {
  local node=$1
  shift
  as_owner "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$(port_of "$node")" -U postgres -d postgres "$@"
}

start() {
  if [ -f "$dir/coordinator/port" ] && as_owner "$bin/pg_ctl" status -D "$dir/coordinator/data" >/dev/null 2>&1; then
    print_env
    return
  fi
  [ -f "$("$bin/pg_config" --pkglibdir)/citus.so" ] || {
    echo "citus-cluster: the Citus extension is not installed into $bin's PostgreSQL" >&2
    exit 1
  }
  rm -rf "$dir"
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown "${CITUS_OS_USER:-postgres}" "$dir"
  for node in "${nodes[@]}"; do
    as_owner mkdir -p "$dir/$node"
    free_port | as_owner tee "$dir/$node/port" >/dev/null
    as_owner "$bin/initdb" -D "$dir/$node/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    as_owner tee -a "$dir/$node/data/postgresql.conf" >/dev/null <<CONF
listen_addresses = '127.0.0.1'
port = $(port_of "$node")
unix_socket_directories = '$dir/$node'
shared_preload_libraries = 'citus'
max_connections = 300
# Citus runs a maintenance worker per database: the test suite has a few dozen at a time.
max_worker_processes = 64
fsync = off
synchronous_commit = off
full_page_writes = off
# A request's settings reach the workers only through SET LOCAL with propagation on.
citus.propagate_set_commands = 'local'
# Fewer shards than Citus's 32 per table: every test file creates a database of its own, and
# distributing its tables over 32 shards each is most of its set-up time on a small machine.
# The three demo tenants still fall into different shard groups (the router-plan test checks).
citus.shard_count = ${CITUS_SHARD_COUNT:-8}
CONF
    as_owner "$bin/pg_ctl" start -w -D "$dir/$node/data" -l "$dir/$node/log" >/dev/null
  done
  for node in "${nodes[@]}"; do psql_node "$node" -c 'CREATE EXTENSION citus'; done
  psql_node coordinator -c "SELECT citus_set_coordinator_host('127.0.0.1', $(port_of coordinator))" >/dev/null
  for node in worker1 worker2; do
    psql_node coordinator -c "SELECT citus_add_node('127.0.0.1', $(port_of "$node"))" >/dev/null
  done
  print_env
}

stop() {
  for node in "${nodes[@]}"; do
    [ -d "$dir/$node/data" ] && as_owner "$bin/pg_ctl" stop -m immediate -D "$dir/$node/data" >/dev/null 2>&1 || true
  done
  rm -rf "$dir"
}

case "$command" in
  start) start ;;
  env) print_env ;;
  stop) stop ;;
  *) echo "usage: $0 start|env|stop [DIR]" >&2; exit 2 ;;
esac
