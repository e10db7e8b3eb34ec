#!/usr/bin/env bash
# make fuzz: start the API (debug off, a scratch SQLite database), then run schemathesis
# against its OpenAPI schema for every operation, once as a customer and once as a manager.
# FUZZ_EXAMPLES bounds the examples per operation (CI uses a small number). One schemathesis
# worker: Python 3.11's ast parser, which hypothesis uses, is not safe across threads.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
PORT=${FUZZ_PORT:-8765}
EXAMPLES=${FUZZ_EXAMPLES:-50}
WORKDIR=$(mktemp -d)
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$WORKDIR"' EXIT

export DJANGO_DEBUG=0
export DJANGO_SECRET_KEY=fuzz-secret-key-only-for-this-local-run-0123456789abcdefghijklmnop
export DJANGO_SECURE_SSL_REDIRECT=0 DJANGO_SECURE_COOKIES=0
export DATABASE_URL="sqlite:///$WORKDIR/fuzz.sqlite3"
export LOG_FORMAT=json DJANGO_LOG_LEVEL=WARNING
unset REDIS_URL
# Fuzzing sends thousands of requests: lift the limits so answers are about the input.
for scope in ANON USER RATINGS ORDERS LOGIN; do export "THROTTLE_$scope=100000/minute"; done

$PY manage.py migrate --noinput >/dev/null
$PY manage.py seed_menu >/dev/null
$PY manage.py shell -c '
from django.contrib.auth.models import Group, User
from LittleLemonDRF import roles
manager = User.objects.create_user("fuzz-manager", password="fuzz-Pass-2026!")
manager.groups.add(Group.objects.get(name=roles.MANAGER))
User.objects.create_user("fuzz-customer", password="fuzz-Pass-2026!")
crew = User.objects.create_user("fuzz-crew", password="fuzz-Pass-2026!")
crew.groups.add(Group.objects.get(name=roles.DELIVERY_CREW))
'
.venv/bin/gunicorn LittleLemon.wsgi --workers 2 --bind "127.0.0.1:$PORT" \
  --access-logfile /dev/null --error-logfile - >"$WORKDIR/gunicorn.log" 2>&1 &
SERVER=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/api/health" >/dev/null && break; sleep 0.2; done

# A JWT rather than a DRF token: fuzzing POST /token/logout/ deletes DRF tokens, which would
# turn the rest of the run into 401s.
jwt_for() {
  curl -sf -X POST "http://127.0.0.1:$PORT/api/token/" -d "username=$1" -d "password=fuzz-Pass-2026!" \
    | $PY -c 'import json, sys; print(json.load(sys.stdin)["access"])'
}

status=0
for who in customer manager; do
  echo "== schemathesis as $who ($EXAMPLES examples per operation)"
  .venv/bin/schemathesis run "http://127.0.0.1:$PORT/api/schema/" \
    --checks not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance \
    --phases examples,coverage,fuzzing \
    --max-examples "$EXAMPLES" \
    --header "Authorization: Bearer $(jwt_for "fuzz-$who")" \
    --seed 2026 \
    --suppress-health-check all \
    --workers 1 || status=1
done
if grep -q "Traceback" "$WORKDIR/gunicorn.log"; then
  echo "Server errors were logged:"; grep -A20 "Traceback" "$WORKDIR/gunicorn.log" | head -60
  status=1
fi
exit $status
