from types import SimpleNamespace

import pytest

from commentsvc import rules
from commentsvc.identity import Reader
from commentsvc.rules import Decision, Draft, compile_words, evaluate, fold
from commentsvc.sites import SiteSettings


def draft(body="A fair point.", html=None, settings=None, premoderated=False, **extra):
    article = SimpleNamespace(premoderated=premoderated)
    return Draft(body, html if html is not None else f"<p>{body}</p>", "Ada", Reader(key="r"),
                 article, settings or SiteSettings(), **extra)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("you are a SCAMMER", "scammer"),
        ("Scämmer!", "scammer"),
        ("scaaaammmmer", "scammer"),
        ("5c4mm3r", "scammer"),
        ("$cammer", "scammer"),
        ("S C A M M E R", None),
        ("scammers are everywhere", None),
        ("a scam", None),
        ("buy cheap pills", "cheap pills"),
        ("buy CHEAP   p1lls now", "cheap pills"),
        ("cheap and pills", None),
        ("ïdïöt", "idiot"),
        ("1d10t", "idiot"),
        ("idiotic", None),
    ],
)
def test_word_lists_see_through_simple_evasion(text, word):
    words = compile_words(["scammer", "cheap pills", "idiot"])
    assert words.first_match(text) == word


def test_folding_undoes_case_accents_leet_and_repeats():
    assert fold("Fr33eeee Ĉàsh!! id!ot") == ["fre", "cash", "idiot"]


def test_a_word_list_of_5000_entries_is_folded_once():
    entries = [f"badword{n}" for n in range(5000)]
    assert compile_words(entries) is compile_words([f"badword{n}" for n in range(5000)])


def test_banned_words_reject_with_the_word_as_reason():
    settings = SiteSettings(banned_words=("scammer",))
    decision = evaluate(draft("what a sc4mmer", settings=settings))
    assert decision == Decision.reject("banned word: scammer")


def test_suspect_words_hold():
    settings = SiteSettings(suspect_words=("crypto",))
    assert evaluate(draft("CRYPTO gains", settings=settings)).action == "hold"


def test_more_links_than_the_limit_hold():
    html = "<p>" + '<a href="https://x">x</a> ' * 4 + "</p>"
    assert evaluate(draft(html=html)) == Decision.hold("4 links (limit 3)")
    assert evaluate(draft(html=html, settings=SiteSettings(link_limit=4))).action == "allow"


def test_a_repeated_post_is_rejected():
    assert evaluate(draft(posted_before_within_hour=True)).action == "reject"


@pytest.mark.parametrize(("honeypot", "seconds"), [("http://spam", None), (None, 0.4)])
def test_bots_are_caught_as_spam(honeypot, seconds):
    assert evaluate(draft(honeypot=honeypot, form_seconds=seconds)).action == "spam"


def test_a_person_who_took_their_time_is_allowed():
    assert evaluate(draft(honeypot="", form_seconds=12.5)).action == "allow"


def test_premoderated_threads_and_sites_hold():
    assert evaluate(draft(premoderated=True)).action == "hold"
    assert evaluate(draft(settings=SiteSettings(moderation="pre"))).action == "hold"


def test_first_mode_holds_newcomers_only():
    settings = SiteSettings(moderation="first")
    assert evaluate(draft(settings=settings)).action == "hold"
    assert evaluate(draft(settings=settings, reader_has_approved_comment=True)).action == "allow"


def test_the_strictest_decision_wins():
    settings = SiteSettings(suspect_words=("crypto",), banned_words=("scammer",))
    assert evaluate(draft("crypto scammer", settings=settings)).action == "reject"


def test_a_rejection_stops_the_pipeline():
    seen = []

    def later(_):
        seen.append(True)
        return Decision.allow()

    evaluate(draft(), rules=[lambda _: Decision.reject("no"), later])
    assert seen == []


def test_the_default_pipeline_names_every_rule():
    names = {rule.__name__ for rule in rules.DEFAULT_RULES}
    assert names == {"honeypot_or_too_fast", "banned_words", "repeated_post", "suspect_words",
                     "too_many_links", "premoderation", "first_comment"}
