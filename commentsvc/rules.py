"""The anti-abuse pipeline: each rule looks at a draft and says allow, hold or reject, and why.

Rules are pure functions of the draft; whatever needs the database (has this reader posted the
same text within the hour? had a comment approved before?) is looked up by posting.py first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
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

# --- word lists, with evasion undone ----------------------------------------------------------
#
# A moderator's entry ("scammer", "free money") matches whole words only, so "Scunthorpe",
# "cocktail" and "therapist" are safe. What a writer does to hide a word is undone first:
# case, accents, look-alike letters from other scripts (Unicode TR39 confusables), leetspeak,
# letters spelled out one by one ("s c a m", "s.c.a.m") or split by punctuation ("sc-am"),
# and letters stretched to three or more ("freeeee"). A doubled letter is spelling, not
# evasion: "caffe" is not "cafe".

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b",
                       "@": "a", "$": "s", "!": "i"})
_WORD = re.compile(r"(?:[^\W_]|[@$!])+")  # letters, digits and the leet symbols; not "_"
_STRETCHED = re.compile(r"(.)\1\1")
_RUNS = re.compile(r"(.)\1+")


class _FoldTable(dict):
    """str.translate table: look-alike letters to Latin ones, marks and invisible format
    characters deleted; other characters are classified on first sight and remembered (up to a
    bound, so a flood of rare characters cannot grow it without end)."""

    LIMIT = 50_000

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        if unicodedata.combining(char) or unicodedata.category(char) == "Cf":
            self[code] = None
            return None
        if len(self) < self.LIMIT:
            self[code] = char
        return char


@cache
def _fold_table() -> _FoldTable:
    """Every character that TR39 says looks like a Latin letter, mapped to that letter; built
    once, on first use, from the data the confusable-homoglyphs package ships."""
    from confusable_homoglyphs.confusables import confusables_data

    table = _FoldTable()
    for char, glyphs in confusables_data.items():
        if len(char) != 1 or char.isascii():
            continue
        letters = sorted(g["c"].lower() for g in glyphs
                         if len(g["c"]) == 1 and g["c"].isascii() and g["c"].isalpha())
        if letters:
            table[ord(char)] = letters[0]
    return table


def fold(text: str) -> str:
    """Text as a filter sees it: no case, no accents, no invisible characters, look-alike
    letters read as the Latin letters they imitate (a Cyrillic dze is an "s")."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return decomposed.translate(_fold_table()).lower()


@lru_cache(maxsize=8192)
def _loose(word: str) -> tuple[str, bool]:
    """The word with every run of a letter collapsed ("freeee", "free" -> "fre"), and whether
    a letter was stretched to three or more: only then is the loose form compared."""
    return _RUNS.sub(r"\1", word), _STRETCHED.search(word) is not None


# A word as read from a text, and whether it was pieced together from spelled-out letters or
# from pieces split by punctuation.
Word = tuple[str, bool]

# Apostrophes join: "I'm a" is "im a", not the letters "i m a" spelled out.
_APOSTROPHES = str.maketrans("", "", "'\u2019\u02bc")


def _pieces(chunk: str) -> list[str]:
    # "!" reads as "i" inside a word ("id!ot") but is punctuation at its ends ("idiot!").
    return [p for p in (w.strip("!").translate(_LEET)
                        for w in _WORD.findall(chunk.translate(_APOSTROPHES))) if p]


# A piece of text before spelled-out letters are joined: (text, is a spelled-out letter,
# was pieced together). A letter stands alone or in a chunk of letters only ("s.c"), unlike the
# "e" of "e-mail".
_Piece = tuple[str, bool, bool]


def _join_spelled(pieces: list[_Piece]) -> tuple[Word, ...]:
    """Runs of spelled-out letters ("s c a m", "s.c.a.m") become one pieced word."""
    out: list[Word] = []
    run: list[str] = []
    for text, letter, pieced in [*pieces, ("", False, False)]:
        if letter:
            run.append(text)
            continue
        if len(run) > 1:
            out.append(("".join(run), True))
        elif run:
            out.append((run[0], False))
        run = []
        if text:
            out.append((text, pieced))
    return tuple(out)


@lru_cache(maxsize=16)
def readings(text: str) -> tuple[tuple[Word, ...], ...]:
    """The ways a text can be read as a sequence of words (cached: both lists read each post).

    The first splits at every space and punctuation mark ("anti-scam" is "anti", "scam"); the
    second, present only when some chunk between spaces has punctuation inside a word, joins
    the chunk's pieces ("sc-am", "sc.am" are "scam"). Both join spelled-out letters.
    """
    split: list[_Piece] = []
    joined: list[_Piece] = []
    for chunk in fold(text).split():
        pieces = _pieces(chunk)
        letters = all(len(p) == 1 for p in pieces)
        split.extend((p, letters, False) for p in pieces)
        if len(pieces) > 1:
            joined.append(("".join(pieces), False, True))
        else:
            joined.extend((p, letters, False) for p in pieces)
    if len(joined) == len(split):
        return (_join_spelled(split),)
    return _join_spelled(split), _join_spelled(joined)


class WordList:
    """A moderator's list compiled for matching in O(words in the comment), whatever its size.

    Phrases are looked up by their word tuples; a window is widened only while it is the start
    of some phrase. A pieced-together word ("f r e e m o n e y") is also compared with each
    entry written without spaces ("freemoney"): a writer who spells letters out has given up
    word boundaries, while "therapist" typed normally is never read as "the rapist".
    """

    def __init__(self, entries: Iterable[str]) -> None:
        self.exact: dict[tuple[str, ...], str] = {}
        self.loose: dict[tuple[str, ...], str] = {}
        self.prefixes: set[tuple[str, ...]] = set()
        self.exact_glued: dict[str, str] = {}
        self.loose_glued: dict[str, str] = {}
        for entry in entries:
            words = tuple(w for w, _ in readings(entry)[0])
            if words:
                self._add(words, entry.strip())

    def _add(self, words: tuple[str, ...], entry: str) -> None:
        loose = tuple(_loose(w)[0] for w in words)
        glued = "".join(words)
        self.exact.setdefault(words, entry)
        self.loose.setdefault(loose, entry)
        self.prefixes.update(loose[:n] for n in range(1, len(loose)))
        self.exact_glued.setdefault(glued, entry)
        self.loose_glued.setdefault(_loose(glued)[0], entry)

    def first_match(self, text: str) -> str | None:
        if not self.exact:
            return None
        for words in readings(text):
            match = self._phrase_in(words) or self._pieced_in(words)
            if match:
                return match
        return None

    def _phrase_in(self, words: tuple[Word, ...]) -> str | None:
        for start in range(len(words)):
            exact: tuple[str, ...] = ()
            loose: tuple[str, ...] = ()
            stretched = False
            for word, _ in words[start:]:
                word_loose, word_stretched = _loose(word)
                exact, loose = (*exact, word), (*loose, word_loose)
                stretched = stretched or word_stretched
                match = self.loose.get(loose) if stretched else self.exact.get(exact)
                if match:
                    return match
                if loose not in self.prefixes:
                    break
        return None

    def _pieced_in(self, words: tuple[Word, ...]) -> str | None:
        for word, pieced in words:
            if pieced:
                loose, stretched = _loose(word)
                match = self.loose_glued.get(loose) if stretched else self.exact_glued.get(word)
                if match:
                    return match
        return None


@lru_cache(maxsize=64)
def word_list(entries: tuple[str, ...]) -> WordList:
    """Compiled once per distinct list and cached: matching costs O(words in the comment)."""
    return WordList(entries)


def compile_words(entries: Iterable[str]) -> WordList:
    # Keyed by the list as stored: hashing it is cheap, compiling 5,000 words per post is not.
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
        return Decision.reject("the same text was posted within an hour by this reader, "
                               "or from this address under this article")
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
