#!/usr/bin/env bash
# make serve-prod: the production configuration on this machine. gunicorn with several workers,
# debug off, PostgreSQL (DATABASE_URL) and Redis (REDIS_URL), static files served by the app
# (WhiteNoise), and HTTPS with a self-signed certificate, so HTTPS redirects, secure cookies
# and HSTS behave exactly as they will behind a real certificate.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

export DJANGO_DEBUG=0
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/littlelemon}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
# A local run sends no real email: reset links go to the log, by choice (check --deploy
# refuses debug off without EMAIL_URL). Set EMAIL_URL=smtp://user:pass@host:587 to send them.
export EMAIL_URL=${EMAIL_URL:-console://}
export DJANGO_ALLOWED_HOSTS=${DJANGO_ALLOWED_HOSTS:-localhost,127.0.0.1}
export WEB_CONCURRENCY=${WEB_CONCURRENCY:-3}
PORT=${PORT:-8443}
export BIND=${BIND:-127.0.0.1:$PORT}

if [ -z "${DJANGO_SECRET_KEY:-}" ]; then
  # A key of this checkout's own, kept across restarts so sessions survive them.
  [ -s .secret_key ] || $PY -c 'import secrets; print(secrets.token_urlsafe(50))' > .secret_key
  DJANGO_SECRET_KEY=$(cat .secret_key)
  export DJANGO_SECRET_KEY
fi

if [ -z "${TLS_CERTFILE:-}" ]; then
  mkdir -p .tls
  if [ ! -s .tls/cert.pem ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=localhost" \
      -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
      -keyout .tls/key.pem -out .tls/cert.pem 2>/dev/null
  fi
  export TLS_CERTFILE=.tls/cert.pem TLS_KEYFILE=.tls/key.pem
fi

# The local PostgreSQL database is created on first use.
$PY - <<'PYTHON'
import os, dj_database_url, psycopg
from psycopg import sql
cfg = dj_database_url.parse(os.environ["DATABASE_URL"])
if cfg["ENGINE"].endswith("postgresql"):
    params = dict(host=cfg["HOST"] or None, port=cfg["PORT"] or None, user=cfg["USER"] or None,
                  password=cfg["PASSWORD"] or None, dbname="postgres", autocommit=True)
    with psycopg.connect(**params) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(cfg["NAME"])))
            print(f"Created database {cfg['NAME']}.")
PYTHON

$PY manage.py migrate --noinput
$PY manage.py collectstatic --noinput --verbosity 0
$PY manage.py seed_menu
$PY manage.py check --deploy --fail-level WARNING

STREAM_BIND=${STREAM_BIND:-127.0.0.1:$((PORT + 1))}
STREAM_WORKERS=${STREAM_WORKERS:-2}

echo
echo "  Little Lemon API (production settings, $WEB_CONCURRENCY workers) on https://$BIND/api/"
echo "  Order stream (uvicorn, $STREAM_WORKERS workers) on https://$STREAM_BIND/api/orders/stream"
echo "  (behind a proxy, route /api/orders/stream there and everything else to the API: README)"
echo "  The certificate is self-signed: curl -k, or accept it once in the browser."
echo "  Admin: create one with  DATABASE_URL=$DATABASE_URL .venv/bin/python manage.py createsuperuser"
echo

# Three kinds of process, each scaled on its own: sync workers for the request/response API,
# an ASGI server whose idle stream subscribers cost no worker, and the background worker
# (webhook deliveries, scheduled orders, clean-ups; run more of them for more throughput).
trap 'kill 0' EXIT
.venv/bin/uvicorn LittleLemon.asgi:application --host "${STREAM_BIND%:*}" --port "${STREAM_BIND##*:}" \
  --workers "$STREAM_WORKERS" --no-access-log --no-proxy-headers \
  --ssl-certfile "$TLS_CERTFILE" --ssl-keyfile "$TLS_KEYFILE" &
$PY manage.py worker &
.venv/bin/gunicorn LittleLemon.wsgi --config python:LittleLemon.gunicorn
