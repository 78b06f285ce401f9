"""The anti-abuse pipeline: each rule looks at a draft and says allow, hold or reject, and why.

Rules are pure functions of the draft; whatever needs the database (has this reader posted the
same text within the hour? had a comment approved before?) is looked up by posting.py first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from commentsvc.identity import Reader
from commentsvc.models import Article
from commentsvc.sites import SiteSettings

Action = Literal["allow", "hold", "reject", "spam"]
_SEVERITY = {"allow": 0, "hold": 1, "reject": 2, "spam": 3}
MIN_FORM_SECONDS = 2.0


@dataclass(frozen=True)
class Decision:
    action: Action
    reason: str = ""

    @classmethod
    def allow(cls) -> Decision:
        return cls("allow")

    @classmethod
    def hold(cls, reason: str) -> Decision:
        return cls("hold", reason)

    @classmethod
    def reject(cls, reason: str) -> Decision:
        return cls("reject", reason)

    @classmethod
    def spam(cls, reason: str) -> Decision:
        """Rejected without telling the sender: a bot learns nothing from the answer."""
        return cls("spam", reason)


@dataclass(frozen=True)
class Draft:
    """A comment about to be stored, with what the rules may look at."""

    body_source: str
    body_html: str
    author_name: str
    reader: Reader
    article: Article
    settings: SiteSettings
    honeypot: str | None = None
    form_seconds: float | None = None
    posted_before_within_hour: bool = False
    reader_has_approved_comment: bool = False


Rule = Callable[[Draft], Decision]

# --- word lists, with simple evasion undone ---------------------------------------------------

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b",
                       "@": "a", "$": "s", "!": "i"})
_REPEATS = re.compile(r"(.)\1+")
_WORD = re.compile(r"[\w@$!]+")


def fold(text: str) -> list[str]:
    """Words as a filter sees them: no case, no accents, leetspeak digits read as letters,
    repeated letters collapsed ("Fr33eee" and "free" both become "fre")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # "!" reads as "i" inside a word ("id!ot") but is punctuation at its end ("idiot!").
    words = (_REPEATS.sub(r"\1", w.strip("!").translate(_LEET)) for w in _WORD.findall(plain))
    return [w for w in words if w]


@dataclass(frozen=True)
class WordList:
    phrases: dict[tuple[str, ...], str]  # folded phrase -> the entry as the moderator wrote it
    longest: int

    def first_match(self, text: str) -> str | None:
        if not self.phrases:
            return None
        words = fold(text)
        for size in range(1, self.longest + 1):
            for start in range(len(words) - size + 1):
                phrase = tuple(words[start:start + size])
                if phrase in self.phrases:
                    return self.phrases[phrase]
        return None


@lru_cache(maxsize=64)
def word_list(entries: tuple[str, ...]) -> WordList:
    """Folded once per distinct list and cached: matching costs O(words in the comment)."""
    phrases = {tuple(fold(e)): e.strip() for e in entries if fold(e)}
    return WordList(phrases, max((len(p) for p in phrases), default=0))


def compile_words(entries: Iterable[str]) -> WordList:
    # Keyed by the list as stored: hashing it is cheap, folding 5,000 words per post is not.
    return word_list(tuple(entries))


# --- the rules ---------------------------------------------------------------------------------

def honeypot_or_too_fast(draft: Draft) -> Decision:
    if draft.honeypot:
        return Decision.spam("hidden form field was filled in")
    if draft.form_seconds is not None and draft.form_seconds < MIN_FORM_SECONDS:
        return Decision.spam(f"form sent {draft.form_seconds:.1f}s after it was shown")
    return Decision.allow()


def banned_words(draft: Draft) -> Decision:
    match = compile_words(draft.settings.banned_words).first_match(
        f"{draft.author_name}\n{draft.body_source}")
    return Decision.reject(f"banned word: {match}") if match else Decision.allow()


def repeated_post(draft: Draft) -> Decision:
    if draft.posted_before_within_hour:
        return Decision.reject("the same text was posted by this reader or address within an hour")
    return Decision.allow()


def suspect_words(draft: Draft) -> Decision:
    match = compile_words(draft.settings.suspect_words).first_match(
        f"{draft.author_name}\n{draft.body_source}")
    return Decision.hold(f"suspect word: {match}") if match else Decision.allow()


def too_many_links(draft: Draft) -> Decision:
    links = draft.body_html.count("<a ")
    limit = draft.settings.link_limit
    return Decision.hold(f"{links} links (limit {limit})") if links > limit else Decision.allow()


def premoderation(draft: Draft) -> Decision:
    if draft.article.premoderated:
        return Decision.hold("thread is premoderated")
    if draft.settings.moderation == "pre":
        return Decision.hold("site moderation mode is 'pre'")
    return Decision.allow()


def first_comment(draft: Draft) -> Decision:
    if draft.settings.moderation == "first" and not draft.reader_has_approved_comment:
        return Decision.hold("first comment of this reader ('first' moderation mode)")
    return Decision.allow()


DEFAULT_RULES: tuple[Rule, ...] = (
    honeypot_or_too_fast, banned_words, repeated_post, suspect_words, too_many_links,
    premoderation, first_comment,
)


def evaluate(draft: Draft, rules: Sequence[Rule] = DEFAULT_RULES) -> Decision:
    """The strictest decision wins; a rejection stops the pipeline early."""
    verdict = Decision.allow()
    for rule in rules:
        decision = rule(draft)
        if _SEVERITY[decision.action] > _SEVERITY[verdict.action]:
            verdict = decision
        if verdict.action in {"reject", "spam"}:
            break
    return verdict
