"""The edge checks on their own: the id regex, JSON depth counting, strings in JSON."""

import random
import re

import pytest

from commentsvc.api.inputs import MAX_JSON_DEPTH, InvalidJSON, at_most_regex, parse_json
from commentsvc.cursors import INT_MAX


def test_the_id_regex_matches_exactly_one_to_the_integer_maximum():
    pattern = re.compile(at_most_regex(INT_MAX) + r"\Z")
    edges = [0, 1, 9, 10, INT_MAX - 1, INT_MAX, INT_MAX + 1, 2**32, 10**10, 1_999_999_999]
    generator = random.Random(7)
    near = [generator.randrange(INT_MAX - 10**7, INT_MAX + 10**7) for _ in range(5000)]
    anywhere = [generator.randrange(0, 10**11) for _ in range(5000)]
    for number in edges + near + anywhere:
        assert bool(pattern.match(str(number))) == (1 <= number <= INT_MAX), number


def test_the_id_regex_refuses_leading_zeros_and_signs():
    pattern = re.compile(at_most_regex(INT_MAX) + r"\Z")
    for text in ["01", "007", "-1", "+1", ""]:
        assert not pattern.match(text)


def test_brackets_inside_strings_do_not_count_as_depth():
    assert parse_json('{"body": "' + "[" * 1000 + '"}') == {"body": "[" * 1000}


def test_escaped_quotes_do_not_end_a_string_for_the_depth_count():
    inner = MAX_JSON_DEPTH - 1  # plus the outer object: exactly the limit
    text = '{"a": "\\"[[[[", "b": ' + "[" * inner + "]" * inner + "}"
    assert parse_json(text)["a"] == '"[[[['


def test_one_level_past_the_limit_is_refused():
    text = "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)
    with pytest.raises(InvalidJSON) as raised:
        parse_json(text)
    assert raised.value.code == "json_too_deep"


@pytest.mark.parametrize("text, code, field", [
    ('{"a": {"b": ["x\\u0000"]}}', "invalid_text", "a"),
    ('{"a": {"\\ud83d": 1}}', "invalid_unicode", "a"),
    ('["\\udfff"]', "invalid_unicode", None),
])
def test_bad_strings_anywhere_are_found_under_their_top_level_key(text, code, field):
    with pytest.raises(InvalidJSON) as raised:
        parse_json(text)
    assert (raised.value.code, raised.value.field) == (code, field)


def test_a_surrogate_pair_is_ordinary_text():
    assert parse_json('{"body": "\\ud83d\\ude00"}') == {"body": "\U0001F600"}
