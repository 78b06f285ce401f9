"""The anti-abuse pipeline: each rule looks at a draft and says allow, hold or reject, and why."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from commentsvc.identity import Reader
from commentsvc.models import Article
from commentsvc.sites import SiteSettings

Action = Literal["allow", "hold", "reject"]
_SEVERITY = {"allow": 0, "hold": 1, "reject": 2}


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


@dataclass(frozen=True)
class Draft:
    """A comment about to be stored, with what the rules may look at."""

    body_source: str
    author_name: str
    reader: Reader
    article: Article
    settings: SiteSettings


Rule = Callable[[Draft], Decision]


def premoderation(draft: Draft) -> Decision:
    if draft.article.premoderated:
        return Decision.hold("thread is premoderated")
    if draft.settings.moderation == "pre":
        return Decision.hold("site moderation mode is 'pre'")
    return Decision.allow()


DEFAULT_RULES: tuple[Rule, ...] = (premoderation,)


def evaluate(draft: Draft, rules: Sequence[Rule] = DEFAULT_RULES) -> Decision:
    """The strictest decision wins; a reject stops the pipeline early."""
    verdict = Decision.allow()
    for rule in rules:
        decision = rule(draft)
        if _SEVERITY[decision.action] > _SEVERITY[verdict.action]:
            verdict = decision
        if verdict.action == "reject":
            break
    return verdict
