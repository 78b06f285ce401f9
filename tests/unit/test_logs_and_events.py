"""The log scrubber, the events the domain announces, and the new settings' validation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commentsvc import events
from commentsvc.config import ConfigError, settings_from_env
from commentsvc.extensions import db
from commentsvc.logs import EMAIL, IPV4, IPV6_LIKE, _ipv4, _ipv6, scrub


@pytest.mark.parametrize(("text", "expected"), [
    ("mail ada@example.com now", "mail [email] now"),
    ("from 203.0.113.77, 198.51.100.9", "from [ip], [ip]"),
    ("peer 2001:db8::1 and fe80::1", "peer [ip] and [ip]"),
    ("full 2001:0db8:0000:0000:0000:ff00:0042:8329", "full [ip]"),
    ("mapped ::ffff:192.0.2.1", "mapped [ip][ip]"),
])
def test_scrub_hides_emails_and_ip_addresses(text, expected):
    assert scrub(text) == expected


@pytest.mark.parametrize("text", ["at 21:42:07.123 on 2026-11-30", "key:3 rules", "v1.2.3",
                                  "listening at 127.0.0.1:8000 and [::1]:9100 and 0.0.0.0"])
def test_scrub_leaves_times_ids_versions_and_local_addresses(text):
    assert scrub(text) == text


def scrub_every_pattern(text: str) -> str:
    """scrub without its shortcuts: every pattern over every text."""
    return IPV6_LIKE.sub(_ipv6, IPV4.sub(_ipv4, EMAIL.sub("[email]", text)))


@given(st.text(alphabet="0123456789abcdefABCDEF.:@ x/-[]", max_size=60) | st.text())
def test_scrub_skips_only_patterns_that_cannot_match(text):
    assert scrub(text) == scrub_every_pattern(text)


@pytest.fixture
def heard():
    got: list[events.Event] = []
    events.listen(got.append)
    yield got
    events._listeners.remove(got.append)


def test_an_event_is_heard_once_its_transaction_commits(app, heard):
    event = events.Audited(1, None, "ban", "", "key:1")
    with app.app_context():
        events.note(db.session, event)
        assert heard == []
        db.session.commit()
    assert heard == [event]


def test_an_event_of_a_rolled_back_transaction_is_never_heard(app, heard):
    with app.app_context():
        db.session.connection()  # a real transaction, so that rollback reaches the database
        events.note(db.session, events.Audited(1, None, "ban", "", "key:1"))
        db.session.rollback()
        db.session.commit()
    assert heard == []


def test_a_failing_listener_does_not_fail_the_commit(app, heard):
    def broken(_event):
        raise RuntimeError("boom")

    events.listen(broken)
    try:
        with app.app_context():
            events.note(db.session, events.Audited(1, None, "ban", "", "key:1"))
            db.session.commit()
    finally:
        events._listeners.remove(broken)
    assert len(heard) == 1


@pytest.mark.parametrize(("env", "message"), [
    ({"COMMENTSVC_METRICS": "on"}, "COMMENTSVC_METRICS must be 'off' or 'token' or 'bind'"),
    ({"COMMENTSVC_METRICS_TOKEN": "short"}, "COMMENTSVC_METRICS_TOKEN must be empty or 32"),
    ({"COMMENTSVC_METRICS_TOKEN": "x" * 31 + " "}, "not shown"),
    ({"COMMENTSVC_METRICS_BIND": "9100"}, "COMMENTSVC_METRICS_BIND must be HOST:PORT"),
    ({"COMMENTSVC_METRICS_BIND": "127.0.0.1:70000"}, "HOST:PORT"),
    ({"COMMENTSVC_LOG_FORMAT": "xml"}, "COMMENTSVC_LOG_FORMAT must be 'text' or 'json'"),
])
def test_bad_observability_settings_are_refused_in_one_line(env, message):
    with pytest.raises(ConfigError, match=message) as caught:
        settings_from_env(env)
    assert "\n" not in caught.value.format_message()


@pytest.mark.parametrize("bind", ["127.0.0.1:9100", "[::1]:9100", "metrics.internal:9100",
                                  "0.0.0.0:9100"])
def test_metrics_bind_takes_host_and_port(bind):
    assert settings_from_env({"COMMENTSVC_METRICS_BIND": bind})["COMMENTSVC_METRICS_BIND"] == bind


def test_building_the_app_does_not_import_prometheus_client(database_url):
    # Its storage (memory or PROMETHEUS_MULTIPROC_DIR) is fixed when it is first imported, and
    # `serve` builds an app in the master before gunicorn forks the workers and sets the dir.
    import subprocess
    import sys

    code = ("import sys; from commentsvc import create_app; "
            f"create_app({{'SQLALCHEMY_DATABASE_URI': {database_url!r}}}); "
            "import commentsvc.gunicorn_conf; "
            "sys.exit('prometheus_client' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
