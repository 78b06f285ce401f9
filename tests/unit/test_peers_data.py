"""The side-by-side benchmark posts the same comments to commentsvc and Isso on every run."""

import statistics

from benchmarks import peers_data
from commentsvc import render


def test_the_threads_are_the_same_on_every_run():
    assert peers_data.all_threads() == peers_data.all_threads()


def test_the_big_thread_has_48_top_level_comments_and_152_replies():
    comments = peers_data.all_threads()[peers_data.THREAD]
    assert len(comments) == 200
    assert sum(c.parent is None for c in comments) == 48
    assert comments[0].parent is None


def test_every_reply_answers_an_earlier_comment_of_its_thread():
    for comments in peers_data.all_threads().values():
        assert [c.number for c in comments] == list(range(len(comments)))
        assert all(c.parent is None or 0 <= c.parent < c.number for c in comments)


def test_a_listing_page_counts_the_big_thread_and_19_small_ones():
    threads = peers_data.all_threads()
    assert list(threads) == peers_data.LISTING_PAGE
    assert len(threads) == 20
    assert all(2 <= len(threads[key]) <= 5 for key in peers_data.LISTING)


def test_bodies_are_about_300_characters_of_markdown_and_all_different():
    bodies = [c.body for comments in peers_data.all_threads().values() for c in comments]
    assert len(set(bodies)) == len(bodies)
    assert all(250 <= len(body) <= 350 for body in bodies)
    assert 280 <= statistics.mean(len(body) for body in bodies) <= 320
    assert any("\n- " in body for body in bodies)  # a list sometimes


def test_a_body_renders_with_emphasis_and_one_link():
    html = render.to_html(peers_data.all_threads()[peers_data.THREAD][0].body)
    assert "<em>" in html and "<strong>" in html
    assert html.count("<a ") == 1
