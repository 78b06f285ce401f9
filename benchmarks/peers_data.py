"""The side-by-side benchmark's comments: the same every run (fixed random seeds), as plain
records that benchmarks/peers.py posts to commentsvc and to Isso through their HTTP APIs.

- `thread-200`: 200 comments, 48 top-level and 152 replies, each reply to a random earlier
  comment of the thread (so replies to replies too; Isso keeps one level and files a reply to a
  reply under its top-level comment).
- `listing-01` .. `listing-19`: 2 to 5 comments each, so that a listing page of 20 articles
  (`thread-200` and these) asks for 20 counts.

Bodies are ~300 characters of Markdown: emphasis, one link, sometimes a list; each one names
its article and place, so no two are the same (commentsvc rejects repeated text).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

THREAD = "thread-200"
THREAD_TOP, THREAD_REPLIES = 48, 152
LISTING = [f"listing-{n:02d}" for n in range(1, 20)]
LISTING_PAGE = [THREAD, *LISTING]  # the 20 articles whose counts a listing page asks for
AUTHORS = 30
BODY_LENGTH = 300

_OPENINGS = ["Thanks for the", "I read the", "Not sure about the", "Good point on the",
             "Interesting take on the", "I disagree with the", "Loved the", "Puzzled by the"]
_ADJECTIVES = ["careful", "second", "main", "last", "surprising", "thin", "long", "odd"]
_NOUNS = ["chart", "argument", "survey", "figure", "quote", "paragraph", "source", "method"]
_SENTENCES = [
    "The numbers for 2019 look different from what the ministry published last spring.",
    "My town saw the same thing, only a year later and on a smaller scale.",
    "It would help to know how the sample was drawn before reading too much into it.",
    "Somebody should ask the authors whether the method changed between the two years.",
    "I have followed this story for a while and this is the clearest summary so far.",
    "The comparison with the neighbouring region is fair, but the base rates differ.",
    "Please keep covering this, the local papers stopped after the first week.",
    "A correction would be welcome where the article mixes up median and mean.",
]
_ITEMS = ["the survey changed method", "the sample halved", "the region was redrawn",
          "prices rose faster", "the old series stopped", "two towns merged"]


@dataclass(frozen=True)
class SeedComment:
    article: str
    number: int  # place in its thread, from 0
    parent: int | None  # the number of the comment it replies to
    author: int  # 0 .. AUTHORS - 1: commentsvc gets one reader token per author
    body: str

    @property
    def author_name(self) -> str:
        return f"Reader {self.author:02d}"

    @property
    def author_email(self) -> str:
        return f"reader{self.author:02d}@example.org"


def body(rng: random.Random, article: str, number: int) -> str:
    """About BODY_LENGTH characters of Markdown, unique to (article, number)."""
    text = (f"{rng.choice(_OPENINGS)} *{rng.choice(_ADJECTIVES)}* {rng.choice(_NOUNS)}: "
            f"**{rng.choice(_NOUNS)}s** matter more than the piece admits, see "
            f"[my notes](https://example.org/notes/{article}/{number}).")
    if rng.random() < 0.3:
        text += "\n\n" + "\n".join(f"- {item}" for item in rng.sample(_ITEMS, 3)) + "\n\n"
    else:
        text += " "
    sentences = rng.sample(_SENTENCES, len(_SENTENCES))
    # Another sentence while it brings the length closer to BODY_LENGTH.
    while len(text) + len(sentences[-1]) // 2 < BODY_LENGTH:
        text += sentences.pop() + " "
    return text.rstrip()


def thread(article: str, top: int, replies: int, seed: int) -> list[SeedComment]:
    """`top` top-level comments and `replies` replies, in posting order: the first is
    top-level, each reply answers a random earlier comment."""
    rng = random.Random(seed)
    kinds = [True] * (top - 1) + [False] * replies  # True: top-level
    rng.shuffle(kinds)
    comments: list[SeedComment] = []
    for number, top_level in enumerate([True, *kinds]):
        parent = None if top_level else rng.randrange(number)
        comments.append(SeedComment(article, number, parent, rng.randrange(AUTHORS),
                                    body(rng, article, number)))
    return comments


def listing_size(n: int) -> int:
    return 2 + n % 4


def all_threads() -> dict[str, list[SeedComment]]:
    """Every article with its comments, the big thread first."""
    threads = {THREAD: thread(THREAD, THREAD_TOP, THREAD_REPLIES, seed=20261201)}
    for n, article in enumerate(LISTING, 1):
        size = listing_size(n)
        threads[article] = thread(article, top=size - size // 3, replies=size // 3, seed=n)
    return threads
