"""The demo newspaper: placeholder articles, and `commentsvc seed-demo` for a busy thread.

Seeding goes through `posting.create`, the same path as the API, so counters, reply counts and
rendering are exactly what real posts produce; rate limits do not apply because no HTTP is
involved.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import cycle

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from commentsvc import posting
from commentsvc.identity import Reader, keyed_hash
from commentsvc.models import Article
from commentsvc.sites import DEFAULT_SITE, ServiceConfig


@dataclass(frozen=True)
class DemoArticle:
    slug: str
    section: str
    headline: str
    standfirst: str
    byline: str
    published: str
    paragraphs: tuple[str, ...]


ARTICLES: tuple[DemoArticle, ...] = (
    DemoArticle(
        slug="demo-ferry-terminal-library",
        section="Local",
        headline="Old ferry terminal reopens as a library with a view of the harbour",
        standfirst="After six years behind hoardings, the 1930s terminal building has books, "
        "a reading room over the water and a workshop where anyone can repair a bicycle.",
        byline="By Marta Lindqvist, culture reporter",
        published="28 November 2026",
        paragraphs=(
            "The doors of the old ferry terminal opened on Saturday morning for the first time "
            "since the last crossing left the quay in 2019. By ten o'clock a queue stretched "
            "past the fish market, and the first borrower, a retired harbour pilot, left with "
            "three books about lighthouses.",
            "The conversion kept the terminal's curved waiting hall, its brass departure board "
            "and the long benches where passengers once sat with their luggage. The board now "
            "shows the library's events instead of sailings: a chess club on Tuesdays, "
            "homework help after school, and a monthly evening of local history talks.",
            "Upstairs, the former customs office has become a reading room with floor-to-ceiling "
            "windows over the water. \u201cOn a clear day you can watch the container ships "
            "turn at the mouth of the estuary,\u201d said the head librarian, Ingrid Svensson. "
            "\u201cWe wanted a room where people stay for the afternoon.\u201d",
            "The project cost 4.2 million, two thirds of it from a national heritage fund. "
            "Critics on the council had argued that the money would have been better spent on "
            "the two branch libraries that closed in 2021; the council says both will reopen "
            "as self-service points next year.",
            "In the old baggage hall a volunteer-run workshop lends tools and helps people "
            "repair bicycles, lamps and radios. Its organisers hope to run it five days a week "
            "once enough volunteers have signed up.",
        ),
    ),
    DemoArticle(
        slug="demo-high-street-pedestrian",
        section="Politics",
        headline="Council votes to close the high street to cars from next spring",
        standfirst="The decision, passed by a single vote after a four-hour debate, divides "
        "shop owners, residents and the bus company.",
        byline="By Daniel Okafor, city hall correspondent",
        published="27 November 2026",
        paragraphs=(
            "The high street will be closed to private cars between the old bridge and the "
            "market square from April, after councillors voted 24 to 23 in favour of the plan "
            "late on Wednesday night.",
            "Delivery vans will still be allowed in before eleven in the morning, and buses "
            "will keep their lane. Cyclists will share the street with pedestrians at walking "
            "pace, a rule that several councillors called unenforceable.",
            "Supporters pointed to towns that made the same change and saw more people on foot "
            "and fewer empty shops within two years. Opponents said that older residents and "
            "people with disabilities would find it harder to reach the surgery and the bank.",
            "The council has promised twelve new disabled parking bays on the side streets and "
            "a free electric shuttle from the park-and-ride. A review is planned after one "
            "year, with a public consultation before any permanent changes to the road surface.",
        ),
    ),
    DemoArticle(
        slug="demo-sourdough-prize",
        section="Food",
        headline="Corner bakery's rye sourdough wins the national bread prize",
        standfirst="A starter kept alive since 1987 and a wood-fired oven built by hand.",
        byline="By Amélie Roux, food writer",
        published="26 November 2026",
        paragraphs=(
            "The small bakery on Quarry Lane has won the national bread prize with a dark rye "
            "sourdough made from a starter the owner's mother began in 1987.",
            "The judges praised its crust and its sour, nutty crumb. The bakery sold out by "
            "eight o'clock on the morning after the announcement.",
        ),
    ),
    DemoArticle(
        slug="demo-water-restrictions",
        section="Environment",
        headline="Heatwave: what the new water restrictions mean for your garden",
        standfirst="Hosepipes are banned from Monday; watering cans and grey water are not.",
        byline="By Samir Haddad, environment reporter",
        published="25 November 2026",
        paragraphs=(
            "The water company has announced a hosepipe ban from Monday after the driest "
            "autumn on record left reservoirs at 41 per cent of capacity.",
            "Watering cans, grey water from baths and washing up, and drip irrigation on a "
            "timer are all still allowed. Businesses that depend on water, such as car washes "
            "and garden centres, are exempt.",
        ),
    ),
)

HOME_SLUG = ARTICLES[0].slug
BUSY_SLUG = ARTICLES[1].slug
ONE_COMMENT_SLUG = ARTICLES[2].slug
# This one article includes the server-rendered thread (GET /api/v1/render) in its HTML, as a
# publisher's server would; the others let the widget draw it: both ways, side by side.
PRERENDERED_SLUG = ARTICLES[3].slug


def demo_article(slug: str) -> DemoArticle | None:
    return next((a for a in ARTICLES if a.slug == slug), None)


# --- seeding -----------------------------------------------------------------------------------

AUTHORS = (
    "Ada", "Bilal", "Chen Wei", "Dorota", "Emeka", "Fatma", "Gustavo", "Hana", "Ivan", "Jo",
    "Kiri", "Leila", "Mateus", "Nadia", "", "Oskar", "Priya", "Rustam", "Sofia", "Tomasz",
)

TOP_LEVEL = (
    "About time. I walk my kids to school along the high street and the morning traffic is "
    "**dangerous**. Anything that slows it down gets my vote.",
    "24 to 23 is hardly a mandate. Something this big should have gone to a local referendum.",
    "I run the shoe repair shop by the bridge. Half my customers drive in from the villages. "
    "Where are they supposed to park?",
    "The article says deliveries before eleven. My bakery gets its flour at two in the "
    "afternoon. Does anyone know if there will be exemptions?",
    "Every town that did this says the same thing after two years: *more* people in the "
    "shops, not fewer. People do not spend money from behind a windscreen.",
    "Twelve disabled bays for the whole town centre is not enough. My mother uses a walker "
    "and the side streets are steep.",
    "Will the market still be allowed to set up on Saturdays? The stalls need vans.",
    "Cyclists at walking pace is a nice idea, but who is going to enforce it?",
    "Good decision. The air on the high street in summer is awful.",
    "The electric shuttle is the part that will make or break this. If it runs every ten "
    "minutes, fine. If it's every forty, people will just drive to the retail park.",
    "I moved here from a town that did exactly this in 2019. Two years of complaints, then "
    "nobody could imagine going back.",
    "What happens to the bus stop outside the library? The map in the council papers "
    "doesn't show it.",
    "Could we at least have a trial for six months before spending money on the road "
    "surface? Oh wait, the article says that is the plan. Good.",
    "More benches, please. And trees. A pedestrian street with nowhere to sit is just a "
    "wide pavement.",
    "The consultation last year had 800 responses and two thirds were in favour. The vote "
    "reflects that.",
    "Taxi drivers have not been mentioned once. Where do they pick people up at night?",
    "I'd love to see the numbers on accidents on that stretch over the last five years.",
    "For anyone who wants to read the full report: it is on the council website under "
    "*Transport, item 7*.",
    "My shop is on the corner of Mill Lane. Footfall there is already down since the "
    "roadworks. I'm worried.",
    "Please keep the street lights on all night if it's going to be pedestrian only.",
    "Finally a decision instead of another study.",
    "The bridge end gets flooded every winter. Has anyone thought about drainage when the "
    "kerbs go?",
    "I hope the market square gets the same treatment next.",
    "Cargo bikes for the last mile of deliveries would solve most of the van problem.",
    "Will residents of the high street be able to get a permit for their own cars?",
    "Honestly, I just want the buses to be on time. If this helps the buses, I'm for it.",
    "I voted for the councillor who swung this. First time I've felt my vote counted.",
    "One year review is sensible. Let's see what the numbers say.",
    "Quiet evenings without engines revving at the lights? Yes please.",
    "This comment section is more civil than the council meeting was.",
)

REPLIES = (
    "Agreed, especially at school time.",
    "There is a car park behind the old post office, about three minutes' walk.",
    "The council papers say delivery exemptions can be applied for, case by case.",
    "That's not what the data from other towns shows, though.",
    "Fair point. I hadn't thought about the hills.",
    "Same here. It took a while, but it works.",
    "The market has its own permit, it's in section 4 of the report.",
    "Enforcement will be by the street wardens, according to the council.",
    "Do you have a link to that? I'd like to read it.",
    "From the report:\n\n> the shuttle will run every 12 minutes during shop hours.",
    "Twelve minutes is fine. Forty would not be.",
    "Thanks, that answers my question.",
    "I'm not sure that's true, but I'd be happy to be proved wrong.",
    "The review in a year is the important part.",
    "Let's hope so!",
)


@dataclass
class _Seeder:
    session: Session
    config: ServiceConfig
    site: str
    article: DemoArticle
    start: datetime
    step: int = 0

    def post(self, author: str, body: str, parent_id: int | None = None) -> int:
        # Each comment gets its own moment, a few minutes after the previous one.
        self.step += 1
        moment = self.start + timedelta(minutes=7 * self.step)
        config = dataclasses.replace(self.config, clock=lambda: moment)
        reader = Reader(key=keyed_hash(self.config.secret_key, "reader", f"demo:{author}"),
                        ip_hash=keyed_hash(self.config.secret_key, "ip", f"demo:{author}"))
        posted = posting.create(self.session, config, reader, posting.NewComment(
            site=self.site, article=self.article.slug, body=body, parent_id=parent_id,
            author_name=author or None, article_title=self.article.headline,
        ))
        return posted.comment.id


def _has_comments(session: Session, site: str, slug: str) -> bool:
    from commentsvc.sites import get_site

    site_id = get_site(session, site).id
    count = session.scalar(
        select(Article.comment_count).where(Article.site_id == site_id, Article.key == slug)
    )
    return bool(count)


def seed_demo(session: Session, config: ServiceConfig, site: str = DEFAULT_SITE) -> int:
    """Fill the busy demo thread (and one comment elsewhere); a no-op when already seeded."""
    created = 0
    busy = demo_article(BUSY_SLUG)
    if not _has_comments(session, site, BUSY_SLUG):
        seeder = _Seeder(session, config, site, busy, config.now() - timedelta(days=2))
        created += _seed_busy_thread(seeder)
    if not _has_comments(session, site, ONE_COMMENT_SLUG):
        one = demo_article(ONE_COMMENT_SLUG)
        seeder = _Seeder(session, config, site, one, config.now() - timedelta(hours=5))
        seeder.post("Hana", "Their rye is the best thing on Quarry Lane. Well deserved!")
        created += 1
    if not _has_comments(session, site, PRERENDERED_SLUG):
        water = demo_article(PRERENDERED_SLUG)
        seeder = _Seeder(session, config, site, water, config.now() - timedelta(hours=9))
        created += _seed_small_thread(seeder)
    return created


def _seed_small_thread(seeder: _Seeder) -> int:
    """A short thread with a conversation, for the article that is rendered on the server."""
    first = seeder.post("Oskar", "Does the ban cover **filling a paddling pool** with a hose?")
    seeder.post("Priya", "Yes, a hose for any purpose. A watering can is fine.", first)
    seeder.post("Samir", "Grey water from the bath has kept my tomatoes alive all summer.")
    seeder.post("Leila", "41 per cent in November is worrying. What is the usual level?")
    return 4


def _seed_busy_thread(seeder: _Seeder) -> int:
    """30 top-level comments (more than one page), replies up to four levels deep."""
    authors = cycle(AUTHORS)
    replies = cycle(REPLIES)
    created = 0
    for index, body in enumerate(TOP_LEVEL):
        top = seeder.post(next(authors), body)
        created += 1
        if index == 1:
            # A long conversation: more replies than a page shows, three levels and one more.
            first = seeder.post(next(authors), next(replies), top)
            second = seeder.post(next(authors), next(replies), first)
            third = seeder.post(next(authors), next(replies), second)
            seeder.post(next(authors), "Going one level deeper than the display shows.", third)
            created += 4
            for _ in range(8):
                seeder.post(next(authors), next(replies), top)
                created += 1
        elif index % 3 == 0:
            reply = seeder.post(next(authors), next(replies), top)
            seeder.post(next(authors), next(replies), reply)
            created += 2
        elif index % 4 == 1:
            seeder.post(next(authors), next(replies), top)
            created += 1
    return created


@click.command("seed-demo")
@click.option("--site", default=DEFAULT_SITE, show_default=True)
@with_appcontext
def seed_demo_command(site: str) -> None:
    """Fill the demo pages' busy thread with comments and replies (safe to run twice)."""
    from commentsvc.errors import DomainError
    from commentsvc.extensions import db

    try:
        created = seed_demo(db.session, current_app.extensions["commentsvc"], site)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    if created:
        click.echo(f"seeded {created} demo comments; see /articles/{BUSY_SLUG}")
    else:
        click.echo("demo comments were already there")
