#!/bin/sh
# The image's entry point. One image, several processes (docs/BETRIEB.md):
#   web       gunicorn (default): the portal on $PORT
#   worker    a Celery worker (as many as needed)
#   beat      Celery beat: exactly ONE in the whole installation (it sends the periodic tasks)
#   migrate   migrations as a one-shot job before new web pods start, then the grants of $DATABASE_APP_ROLE
#             (as the owner of the tables; with DEPLOY_CHECK=true first check --deploy)
#   manage …  any manage.py command, e.g. `manage import_register`
# Anything else is run as given.
set -eu
cd /app

# The metrics of several gunicorn workers and Celery processes meet here (prometheus_client multiprocess mode);
# files of an earlier run of this container would be counted again.
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
  rm -rf "$PROMETHEUS_MULTIPROC_DIR"
  mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi

case "${1:-web}" in
  web)
    shift || true
    exec gunicorn --config /app/deploy/gunicorn.conf.py "$@" itvsh_portal.wsgi:application
    ;;
  worker)
    shift
    exec celery --app itvsh_portal worker --loglevel "${LOG_LEVEL:-INFO}" --without-mingle --without-gossip "$@"
    ;;
  beat)
    shift
    exec celery --app itvsh_portal beat --loglevel "${LOG_LEVEL:-INFO}" \
      --schedule "${CELERY_BEAT_SCHEDULE_FILE:-/tmp/celerybeat-schedule}" "$@"
    ;;
  migrate)
    shift
    # DEPLOY_CHECK=true (production): stop before any change while check --deploy finds an error, e.g. a missing
    # operator fact of the legal pages.
    if [ "${DEPLOY_CHECK:-false}" = true ]; then
      python3 manage.py check --deploy --fail-level ERROR
    fi
    python3 manage.py migrate --noinput "$@"
    if [ -n "${DATABASE_APP_ROLE:-}" ]; then
      python3 manage.py grant_app_role "$DATABASE_APP_ROLE"
    fi
    ;;
  manage)
    shift
    exec python3 manage.py "$@"
    ;;
  *)
    exec "$@"
    ;;
esac
