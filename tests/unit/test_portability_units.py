from commentsvc.models import APPROVED, DELETED, PENDING
from commentsvc.portability.text import html_body
from commentsvc.portability.tree import Node, place


def test_tree_fields_and_counts_follow_the_parent_links():
    nodes = {1: Node(1, None, APPROVED), 2: Node(2, 1, DELETED), 3: Node(3, 2, APPROVED),
             4: Node(4, 1, PENDING)}
    placed = {row[0]: row[1:] for row in place(nodes, [4, 3, 2, 1])}
    assert placed[3] == (2, 1, "1/2/", 2, 0, 0)
    assert placed[2] == (1, 1, "1/", 1, 1, 0)  # deleted but shown: it has a visible reply
    assert placed[1] == (None, None, "", 0, 1, 2)  # the held reply is not counted


def test_a_cycle_in_the_source_is_broken_rather_than_lost():
    nodes = {1: Node(1, 2, APPROVED), 2: Node(2, 1, APPROVED)}
    placed = {row[0]: row[1:] for row in place(nodes, [1, 2])}
    assert placed[1][0] is None
    assert placed[2][:4] == (1, 1, "1/", 1)


def test_plain_text_with_newlines_gets_paragraphs_and_line_breaks():
    source, html = html_body("one\ntwo\n\nthree &amp; <b>four</b>")
    assert html == "<p>one<br>\ntwo</p><p>three &amp; four</p>"
    assert source == "one\ntwo\n\nthree & four"


def test_a_link_whose_text_is_its_address_stays_a_bare_address():
    source, _ = html_body('<p>see <a href="https://a.example/">https://a.example/</a></p>')
    assert source == "see https://a.example/"


def test_a_thread_deeper_than_posting_allows_is_flattened_at_the_limit():
    from commentsvc.posting import MAX_DEPTH

    nodes = {n: Node(n, n - 1 if n > 1 else None, APPROVED) for n in range(1, 131)}
    placed = {row[0]: row[1:] for row in place(nodes, list(nodes))}
    assert max(row[3] for row in placed.values()) == MAX_DEPTH - 1
    assert placed[130][0] == placed[MAX_DEPTH][0] == MAX_DEPTH - 1  # beside, not below
    assert placed[1][5] == 129  # every reply still counted under the top-level comment
