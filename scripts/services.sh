# PostgreSQL and Redis for `make cluster` and `.ci/run`: start them if installed and not
# running (without systemd), and create the voiceguide role and database. Source it.
# STARTED_SERVICES lists what was started here, so that the caller stops only those.

PG_URL_DEFAULT="postgresql://voiceguide:voiceguide@127.0.0.1:5432/voiceguide"
STARTED_SERVICES=()

ensure_postgres() {
  if ! command -v pg_lsclusters >/dev/null; then
    echo "PostgreSQL is not installed (apt-get install postgresql)" >&2
    return 1
  fi
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    local version name
    read -r version name _ < <(pg_lsclusters --no-header | head -1)
    echo "starting PostgreSQL $version/$name"
    pg_ctlcluster "$version" "$name" start
    STARTED_SERVICES+=("postgres:$version:$name")
    for _ in $(seq 50); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done
  fi
  # A role that may create databases (the tests make one per test) and the app's database.
  runuser -u postgres -- psql -qAt -c "SELECT 1 FROM pg_roles WHERE rolname='voiceguide'" \
    | grep -q 1 \
    || runuser -u postgres -- psql -q -c \
      "CREATE ROLE voiceguide LOGIN CREATEDB PASSWORD 'voiceguide'"
  # DROP DATABASE ... WITH (FORCE) ends the other sessions on it, an autovacuum worker's
  # too, which takes this right (without it a test's clean-up failed once in CI).
  runuser -u postgres -- psql -q -c "GRANT pg_signal_backend TO voiceguide" >/dev/null
  runuser -u postgres -- psql -qAt -c "SELECT 1 FROM pg_database WHERE datname='voiceguide'" \
    | grep -q 1 \
    || runuser -u postgres -- createdb -O voiceguide voiceguide
}

ensure_redis() {
  if ! command -v redis-server >/dev/null; then
    echo "Redis is not installed (apt-get install redis-server)" >&2
    return 1
  fi
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    echo "starting Redis on 127.0.0.1:6379"
    # No snapshots: the queue only carries ids, and the database is the truth.
    redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save '' --appendonly no \
      >/dev/null
    STARTED_SERVICES+=("redis")
    for _ in $(seq 50); do redis-cli ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
}

stop_started_services() {
  local service
  for service in "${STARTED_SERVICES[@]}"; do
    case "$service" in
      redis) echo "stopping Redis"; redis-cli -h 127.0.0.1 -p 6379 shutdown nosave || true ;;
      postgres:*)
        IFS=: read -r _ version name <<<"$service"
        echo "stopping PostgreSQL $version/$name"
        pg_ctlcluster "$version" "$name" stop || true ;;
    esac
  done
  STARTED_SERVICES=()
}
