"""Background jobs on the engine: enqueued with the change, run by `manage.py worker`, once
across workers, again after a worker is killed, on schedules; and the clean-ups they run.

The webhook receiver and the deliverer processes' own database come from
test_webhook_delivery; here the processes are started as `manage.py worker`.
"""

import io
import json
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from harness.processes import PROJECT
from LittleLemonDRF import jobs, services, webhooks
from LittleLemonDRF.models import ApiToken, Order, OrderEvent, WebhookDelivery
from tests import test_webhook_delivery as delivery
from tests.factories import add_to_cart, make_menu_item, make_order

# The receiver, the webhook helpers and the processes' own database, shared with the delivery
# tests.
BOTH, HANG, verify = delivery.BOTH, delivery.HANG, delivery.verify
config, deliveries, new_order = delivery.config, delivery.deliveries, delivery.new_order
receiver, register, world = delivery.receiver, delivery.register, delivery.world

pytestmark = pytest.mark.django_db


def run_worker() -> str:
    out = io.StringIO()
    call_command("worker", "--once", stdout=out)
    return out.getvalue()


def jobs_of(task) -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=task.module_path).order_by("enqueued_at"))


# --- Enqueued with the change ---------------------------------------------------------------


def test_a_rolled_back_change_enqueues_nothing(register, manager_user, customer_user):
    register("http://127.0.0.1:9/hook")
    order = make_order(customer_user)
    before = len(jobs_of(webhooks.fan_out_event))
    inside = []

    def change_then_fail():
        with transaction.atomic():
            services.order_update(order=order, by=manager_user, state="accepted")
            inside.append(len(jobs_of(webhooks.fan_out_event)))
            raise RuntimeError("the change fails after its event was written")

    with pytest.raises(RuntimeError):
        change_then_fail()
    assert inside == [before + 1]  # inside the transaction, the job was there
    assert len(jobs_of(webhooks.fan_out_event)) == before
    assert not OrderEvent.objects.filter(order_id=order.pk, type="order.updated").exists()
    run_worker()
    assert WebhookDelivery.objects.filter(event__type="order.updated").count() == 0


def test_a_committed_change_is_delivered_by_the_worker(receiver, register, new_order, deliveries):
    rx = receiver(200)
    hook = register(rx.url())
    order_id = new_order()
    [job] = jobs_of(webhooks.fan_out_event)  # enqueued by the request, with the order
    assert job.args_kwargs["args"] == [OrderEvent.objects.get(order_id=order_id).pk]
    assert WebhookDelivery.objects.count() == 0  # nothing made or sent inside the request
    assert "jobs run" in run_worker()
    assert [json.loads(r.body)["data"]["id"] for r in rx.requests] == [order_id]
    [row] = deliveries(hook)
    assert (row["status"], row["attempts"]) == ("delivered", 1)
    assert job.__class__.objects.get(pk=job.pk).status == TaskResultStatus.SUCCESSFUL


def test_a_failed_attempt_enqueues_one_retry_at_the_backoff(receiver, register, new_order):
    rx = receiver(500)
    register(rx.url())
    new_order()
    run_worker()
    sends = jobs_of(webhooks.send)
    assert [job.status for job in sends] == ["SUCCESSFUL", "READY"]
    delivery = WebhookDelivery.objects.get()
    assert sends[1].run_after == delivery.next_attempt_at  # WEBHOOK_RETRY_BASE=1 later
    assert timedelta(0) < delivery.next_attempt_at - timezone.now() <= timedelta(seconds=1)
    run_worker()
    assert len(rx.requests) == 1  # not due yet


# --- Periodic schedules -----------------------------------------------------------------------


def test_each_periodic_job_waits_once_however_many_workers_schedule_it():
    assert jobs.schedule() == len(jobs.PERIODIC)
    assert jobs.schedule() == 0
    paths = Counter(DBTaskResult.objects.ready().values_list("task_path", flat=True))
    assert {periodic.task.module_path for periodic in jobs.PERIODIC} <= set(paths)
    assert all(paths[p.task.module_path] == 1 for p in jobs.PERIODIC)


def test_a_periodic_job_runs_again_its_interval_after_it_finished():
    run_worker()
    [first] = jobs_of(jobs.clean_up)
    assert first.status == TaskResultStatus.SUCCESSFUL
    run_worker()
    [first, second] = jobs_of(jobs.clean_up)
    assert second.status == TaskResultStatus.READY
    assert second.run_after == first.finished_at + timedelta(hours=1)
    releases = jobs_of(jobs.release_scheduled_orders)
    assert releases[1].run_after == releases[0].finished_at + timedelta(seconds=15)


def test_a_job_whose_worker_died_is_put_back_after_the_lease(register, new_order):
    register("http://127.0.0.1:9/hook")
    new_order()
    [job] = jobs_of(webhooks.fan_out_event)
    job.claim("a worker that was killed")
    assert jobs.reap(lease=timedelta(seconds=60)) == 0  # still within its lease
    DBTaskResult.objects.filter(pk=job.pk).update(started_at=timezone.now() - timedelta(seconds=61))
    assert jobs.reap(lease=timedelta(seconds=60)) == 1
    run_worker()
    assert DBTaskResult.objects.get(pk=job.pk).status == TaskResultStatus.SUCCESSFUL
    assert WebhookDelivery.objects.count() == 1


# --- Releasing scheduled orders ---------------------------------------------------------------


def test_the_worker_releases_a_scheduled_order_whose_time_has_come(customer_user, office):
    due, later = make_order(customer_user), make_order(customer_user)
    now = timezone.now()
    Order.objects.filter(pk=due.pk).update(state="scheduled", release_at=now - timedelta(minutes=1))
    Order.objects.filter(pk=later.pk).update(state="scheduled", release_at=now + timedelta(hours=1))
    run_worker()
    shown = {pk: office.get(f"/api/orders/{pk}").json() for pk in (due.pk, later.pk)}
    assert shown[due.pk]["state"] == "placed"
    assert shown[due.pk]["history"][-1]["reason"] == "released"
    assert shown[later.pk]["state"] == "scheduled"
    assert OrderEvent.objects.filter(order_id=due.pk, type="order.updated").count() == 1


# --- Clean-ups --------------------------------------------------------------------------------


def test_idempotency_keys_are_forgotten_after_24_hours(customer_user, customer_client):
    add_to_cart(customer_user, make_menu_item(), 1)
    old = customer_client.post("/api/orders", HTTP_IDEMPOTENCY_KEY="old-key").json()["id"]
    add_to_cart(customer_user, make_menu_item(), 1)
    new = customer_client.post("/api/orders", HTTP_IDEMPOTENCY_KEY="new-key").json()["id"]
    Order.objects.filter(pk=old).update(created_at=timezone.now() - timedelta(hours=25))
    run_worker()
    keys = dict(Order.objects.filter(pk__in=[old, new]).values_list("pk", "idempotency_key"))
    assert keys == {old: "", new: "new-key"}
    again = customer_client.post("/api/orders", HTTP_IDEMPOTENCY_KEY="new-key")
    assert (again.status_code, again.json()["id"]) == (200, new)  # still answers


def test_events_past_the_replay_window_go_once_every_webhook_has_handled_them(register, new_order):
    register("http://127.0.0.1:9/hook", events=["order.created"])
    handled, pending, recent = new_order(), new_order(), new_order()
    webhooks.fan_out()
    WebhookDelivery.objects.exclude(event__order_id=pending).update(status="delivered")
    register("http://127.0.0.1:9/late", events=["order.created"])  # after them: owed none
    unsent = new_order()  # the second webhook is owed this one, and has not had it
    WebhookDelivery.objects.filter(event__order_id=unsent).update(status="failed")
    old = timezone.now() - timedelta(hours=25)
    OrderEvent.objects.exclude(order_id=recent).update(created=old)
    run_worker()
    left = set(OrderEvent.objects.values_list("order_id", flat=True))
    assert left == {pending, recent, unsent}
    assert handled not in set(WebhookDelivery.objects.values_list("event__order_id", flat=True))


def test_tokens_older_than_their_ttl_are_deleted(settings, customer_user, crew_user):
    settings.TOKEN_TTL = timedelta(days=30)
    old = services.token_for_login(user=customer_user)
    ApiToken.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=31))
    fresh = services.token_for_login(user=crew_user)
    expired_jwt = RefreshToken.for_user(customer_user)
    OutstandingToken.objects.filter(jti=expired_jwt["jti"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    live_jwt = RefreshToken.for_user(crew_user)
    run_worker()
    assert list(ApiToken.objects.values_list("key", flat=True)) == [fresh.key]
    jtis = set(OutstandingToken.objects.values_list("jti", flat=True))
    assert jtis == {live_jwt["jti"]}


def test_finished_jobs_are_kept_a_day(register, new_order):
    register("http://127.0.0.1:9/hook")
    new_order()
    run_worker()
    finished = DBTaskResult.objects.finished()
    assert finished.count() >= 3
    [stale] = jobs_of(webhooks.fan_out_event)
    DBTaskResult.objects.filter(pk=stale.pk).update(finished_at=timezone.now() - timedelta(days=2))
    result = jobs.clean_up.call()
    assert result["jobs"] == 1
    assert not DBTaskResult.objects.filter(pk=stale.pk).exists()
    assert DBTaskResult.objects.finished().count() >= 2


# --- Worker processes -------------------------------------------------------------------------


def start_worker(world, *args) -> subprocess.Popen:
    """`manage.py worker *args` on the world's database, logging where world.log reads."""
    log = world.logs / f"deliverer-{len(world.started)}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "worker", *args],
            cwd=PROJECT,
            env=world.env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    world.started.append(process)
    return process


def until(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


def test_a_worker_killed_mid_job_has_the_job_done_again_by_another(world, receiver):
    rx = receiver(HANG, 200)  # the first attempt never answers
    world.setup([{"url": rx.url(), "events": ["order.created"]}])
    first = start_worker(world, "--lease", "10")
    assert rx.wait_for(1, timeout=30), world.log(0)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    rx.released.set()
    second = start_worker(world, "--lease", "10")
    assert rx.wait_for(2, timeout=40), world.log(1)
    assert [json.loads(r.body)["id"] for r in rx.requests] == [world.events[0][0]] * 2
    assert verify(
        world.secrets[0], rx.requests[1].headers["LittleLemon-Signature"], rx.requests[1].body
    )
    assert until(lambda: world.state()[0]["status"] == "delivered", timeout=15)
    assert world.state()[0]["attempts"] == 2
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=15) == 0


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="workers on one host or many share PostgreSQL; run `make test-postgres`",
)
def test_two_workers_deliver_each_job_once(world, receiver):
    rx = receiver(200, delay=0.02)
    world.setup([{"url": rx.url(), "events": BOTH}], orders=10, moves=["accepted"])
    events = dict(world.events)
    workers = [start_worker(world) for _ in range(2)]
    assert rx.wait_for(len(events), timeout=60), [world.log(n) for n in range(2)]
    time.sleep(2)  # a second send of anything would have arrived by now
    for process in workers:
        process.send_signal(signal.SIGTERM)
    assert [process.wait(timeout=15) for process in workers] == [0, 0]
    sent = Counter(int(r.headers["LittleLemon-Event-Id"]) for r in rx.requests)
    assert sent == Counter(set(events))  # each event once
    assert {(row["status"], row["attempts"]) for row in world.state()} == {("delivered", 1)}
    shares = world.attempts_logged()
    assert sum(shares) == len(events), shares
    assert all(shares), shares  # both took part
