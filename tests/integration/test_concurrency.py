"""Counters stay exact when many readers post to one thread at the same moment."""

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from commentsvc.extensions import db
from commentsvc.models import APPROVED, Article, Comment
from tests.conftest import THREAD


def test_concurrent_posts_keep_counts_exact(app):
    client = app.test_client()
    root = client.post("/api/v1/comments", json={**THREAD, "body": "root"}).json["id"]

    def post_many(worker: int) -> list[int]:
        own = app.test_client()
        statuses = []
        for n in range(6):
            body = {**THREAD, "body": f"w{worker} n{n}"}
            if n % 2:
                body["parent_id"] = root
            statuses.append(own.post("/api/v1/comments", json=body).status_code)
        return statuses

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = [s for batch in pool.map(post_many, range(6)) for s in batch]
    assert statuses == [201] * 36

    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.key == THREAD["article"]))
        approved = db.session.scalar(
            select(func.count()).where(Comment.article_id == article.id,
                                       Comment.status == APPROVED))
        assert article.comment_count == approved == 37
        assert db.session.get(Comment, root).reply_count == 18


def test_concurrent_first_posts_create_the_article_once(app):
    def first_post(worker: int) -> int:
        return app.test_client().post(
            "/api/v1/comments", json={**THREAD, "article": "brand-new", "body": f"{worker}"}
        ).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert list(pool.map(first_post, range(6))) == [201] * 6
    with app.app_context():
        articles = db.session.scalars(select(Article).where(Article.key == "brand-new")).all()
        assert len(articles) == 1
        assert articles[0].comment_count == 6
