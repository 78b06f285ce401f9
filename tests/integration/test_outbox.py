"""The outbox: messages commit with their cause, are sent once, retried with backoff, and
survive a worker that stops. Runs on SQLite, and on PostgreSQL when the suite is pointed there
(where the concurrent claim test is the one that matters)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from commentsvc import outbox, worker
from commentsvc.extensions import db
from commentsvc.models import Comment, OutboxMessage
from tests.conftest import post


@pytest.fixture
def sent():
    """A sender for kind "test.ok" that records what it sends."""
    delivered: list[int] = []
    lock = threading.Lock()

    def send(session, message):
        time.sleep(0.002)  # long enough for concurrent claimers to overlap
        with lock:
            delivered.append(message.payload["n"])

    outbox.register("test.ok", send)
    return delivered


def add_messages(app, count, kind="test.ok", **options):
    with app.app_context():
        for n in range(count):
            outbox.enqueue(db.session, kind, {"n": n}, **options)
        db.session.commit()


def rows(app):
    with app.app_context():
        return {m.payload["n"]: m for m in db.session.scalars(select(OutboxMessage))}


def test_a_message_is_written_only_if_its_transaction_commits(app, clock):
    with app.app_context():
        outbox.enqueue(db.session, "test.ok", {"n": 1}, now=clock())
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        outbox.enqueue(db.session, "test.ok", {"n": 2}, now=clock())
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_due_messages_are_sent_and_marked_sent_once(app, clock, sent):
    add_messages(app, 3, now=clock())
    with app.app_context():
        report = outbox.deliver_due(db.session, clock())
        again = outbox.deliver_due(db.session, clock())
    assert (report.sent, again.claimed) == (3, 0)
    assert sorted(sent) == [0, 1, 2]
    assert {m.status for m in rows(app).values()} == {"sent"}
    assert {m.sent_at for m in rows(app).values()} == {clock()}


def test_a_message_delayed_into_the_future_waits(app, clock, sent):
    add_messages(app, 1, now=clock(), delay=timedelta(minutes=5))
    with app.app_context():
        assert outbox.deliver_due(db.session, clock()).claimed == 0
        clock.advance(minutes=5)
        assert outbox.deliver_due(db.session, clock()).sent == 1


def test_concurrent_workers_never_send_one_message_twice(make_app, clock, sent):
    app = make_app()
    add_messages(app, 60, now=clock())
    errors: list[BaseException] = []

    def work():
        try:
            with app.app_context():
                while outbox.deliver_due(db.session, clock(), limit=3).claimed:
                    pass
                db.session.remove()
        except BaseException as exc:  # surfaced below: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(sent) == list(range(60))


def test_claims_skip_rows_another_worker_holds_locked(make_app, clock, sent):
    app = make_app()
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("row locks: PostgreSQL only (SQLite has one writer at a time)")
    add_messages(app, 4, now=clock())
    # One worker is in the middle of its claim (its transaction holds the rows' locks)...
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        locked = connection.execute(
            select(OutboxMessage.id).order_by(OutboxMessage.id).limit(2).with_for_update()
        ).scalars().all()
        # ...the other does not wait for it, and takes only the rows nobody holds.
        claimed = outbox.claim(db.session, clock(), "second")
        transaction.rollback()
        connection.close()
    assert set(claimed).isdisjoint(locked) and len(claimed) == 2


def test_failures_are_retried_with_exponential_backoff_then_given_up(app, clock):
    def refuse(session, message):
        raise outbox.SendFailed("HTTP 503")

    outbox.register("test.refused", refuse, max_attempts=4)
    add_messages(app, 1, kind="test.refused", now=clock())
    start = clock()
    waits = []
    with app.app_context():
        while True:
            report = outbox.deliver_due(db.session, clock())
            assert report.claimed == 1
            message = db.session.scalars(select(OutboxMessage)).one()
            if message.status == "dead":
                break
            waits.append(message.next_attempt_at - clock())
            # One second early, nothing happens; on time, the next attempt is made.
            clock.now = message.next_attempt_at - timedelta(seconds=1)
            assert outbox.deliver_due(db.session, clock()).claimed == 0
            clock.advance(seconds=1)
    assert waits == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    assert (message.attempts, message.last_error, message.sent_at) == (4, "HTTP 503", None)
    assert clock() - start == timedelta(seconds=210)


def test_the_backoff_doubles_up_to_an_hour():
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 8, 20)] == [
        30, 60, 120, 3600, 3600]


def test_a_permanent_failure_is_not_retried(app, clock):
    def reject(session, message):
        raise outbox.SendFailed("address refused", permanent=True)

    outbox.register("test.permanent", reject)
    add_messages(app, 1, kind="test.permanent", now=clock())
    with app.app_context():
        assert outbox.deliver_due(db.session, clock()).dead == 1


def test_a_crashing_sender_is_retried_and_its_writes_are_undone(app, clock):
    def crash(session, message):
        message.payload = {"n": 99}
        raise RuntimeError("boom")

    outbox.register("test.crash", crash)
    add_messages(app, 1, kind="test.crash", now=clock())
    with app.app_context():
        assert outbox.deliver_due(db.session, clock()).retrying == 1
    message = rows(app)[0]
    assert (message.status, message.attempts, message.last_error) == (
        "pending", 1, "RuntimeError: boom")


def test_a_kind_without_a_sender_waits_for_a_worker_that_has_one(app, clock):
    add_messages(app, 1, kind="test.nobody", now=clock())
    with app.app_context():
        assert outbox.deliver_due(db.session, clock()).retrying == 1
    assert "no sender" in rows(app)[0].last_error


def test_a_stopped_worker_loses_nothing_a_restarted_one_catches_up(app, clock, sent):
    add_messages(app, 2, now=clock())
    with app.app_context():
        # A worker claims both and dies before sending.
        assert len(outbox.claim(db.session, clock(), "dead-worker")) == 2
        assert outbox.deliver_due(db.session, clock(), worker="new").claimed == 0
        clock.now += outbox.LEASE + timedelta(seconds=1)
        assert outbox.deliver_due(db.session, clock(), worker="new").sent == 2
    assert sorted(sent) == [0, 1]


def test_the_worker_command_once_sends_what_is_due(app, clock, sent):
    add_messages(app, 2, now=clock())
    add_messages(app, 1, now=clock(), delay=timedelta(hours=1))
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "sent 2, retrying 0, given up 0" in result.output
    assert sorted(sent) == [0, 1]


def test_the_in_process_thread_sends_while_the_server_runs(make_app, clock, sent):
    app = make_app(COMMENTSVC_WORKER="thread", COMMENTSVC_WORKER_POLL_SECONDS=0.05)
    stop = worker.start_thread_if_wanted(app)
    try:
        add_messages(app, 1, now=clock())
        deadline = time.monotonic() + 10
        while not sent and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        stop.set()
        app.extensions["commentsvc_worker"][0].join(timeout=10)
    assert sent == [0]


@pytest.mark.parametrize(("mode", "url", "wanted"), [
    ("auto", "sqlite:///x.db", True),
    ("auto", "postgresql+psycopg://u@h/db", False),
    ("thread", "postgresql+psycopg://u@h/db", True),
    ("off", "sqlite:///x.db", False),
])
def test_the_thread_runs_where_the_setting_says(mode, url, wanted):
    from flask import Flask

    app = Flask(__name__)
    app.config.update(COMMENTSVC_WORKER=mode, SQLALCHEMY_DATABASE_URI=url)
    assert worker.wants_thread(app) is wanted


def test_sent_messages_are_forgotten_after_a_week_and_dead_ones_after_a_month(app, clock, sent):
    def refuse(session, message):
        raise outbox.SendFailed("gone", permanent=True)

    outbox.register("test.gone", refuse)
    add_messages(app, 1, now=clock())
    add_messages(app, 1, kind="test.gone", now=clock())
    with app.app_context():
        outbox.deliver_due(db.session, clock())
        clock.advance(days=7, seconds=1)
        assert outbox.prune(db.session, clock()) == 1
        clock.advance(days=23)
        assert outbox.prune(db.session, clock()) == 1
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_the_worker_also_clears_identifying_hashes_past_retention(app, clock):
    comment_id = post(app.test_client()).json["id"]
    with app.app_context():
        assert db.session.get(Comment, comment_id).ip_hash is not None
    clock.advance(days=app.config["COMMENTSVC_RETENTION_DAYS"] + 1)
    worker.prune(app)
    with app.app_context():
        assert db.session.get(Comment, comment_id).ip_hash is None
