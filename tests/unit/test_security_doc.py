"""SECURITY.md names the tests that prove each line: every one it names must exist."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECURITY = (ROOT / "SECURITY.md").read_text(encoding="utf-8")


def test_every_test_file_security_md_names_exists():
    paths = set(re.findall(r"`(tests/[\w/]+\.py)", SECURITY))
    assert paths
    assert [p for p in paths if not (ROOT / p).is_file()] == []


def test_every_test_function_security_md_names_exists():
    names = set(re.findall(r"\b(test_\w+)`", SECURITY))
    assert names
    sources = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("test_*.py"))
    assert [n for n in names if f"def {n}(" not in sources] == []
