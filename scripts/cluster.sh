#!/usr/bin/env bash
# `make cluster`: the scaled-out stack on one machine. Starts PostgreSQL and Redis if they
# are installed and not running, migrates, then runs gunicorn and two Celery workers;
# Ctrl-C stops them all (and the servers, if this script started them).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
WEB_WORKERS=${WEB_WORKERS:-2}
CELERY_WORKERS=${CELERY_WORKERS:-2}
# shellcheck source=scripts/services.sh
source scripts/services.sh

export VOICEGUIDE_DATABASE_URL=${VOICEGUIDE_DATABASE_URL:-$PG_URL_DEFAULT}
export VOICEGUIDE_BROKER_URL=${VOICEGUIDE_BROKER_URL:-redis://127.0.0.1:6379/0}
# Its own data directory: recordings of this database never mix with `make run`'s.
export VOICEGUIDE_DATA_DIR=${VOICEGUIDE_DATA_DIR:-instance/cluster}
mkdir -p "$VOICEGUIDE_DATA_DIR"

pids=()
stop_all() {
  trap - INT TERM EXIT
  echo "stopping gunicorn and the workers"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  stop_started_services
}
trap stop_all INT TERM EXIT

if [[ $VOICEGUIDE_DATABASE_URL == "$PG_URL_DEFAULT" ]]; then ensure_postgres; fi
if [[ $VOICEGUIDE_BROKER_URL == redis://127.0.0.1:6379/* ]]; then ensure_redis; fi

"$BIN/flask" --app voiceguide db upgrade
for n in $(seq "$CELERY_WORKERS"); do
  # One pool process each: a transcription uses one core (see WhisperOptions.cpu_threads).
  "$BIN/celery" -A voiceguide.celery_app worker --concurrency 1 -n "w$n@%h" \
    --loglevel INFO --without-gossip --without-mingle &
  pids+=($!)
done
"$BIN/gunicorn" --workers "$WEB_WORKERS" --threads 4 --bind "$HOST:$PORT" \
  --timeout 120 --graceful-timeout 30 'voiceguide:create_app()' &
pids+=($!)
echo "voiceguide cluster: http://$HOST:$PORT (Ctrl-C stops it)"
wait -n "${pids[@]}" || true  # one of them ended: stop the rest
