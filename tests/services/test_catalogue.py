"""The starter catalogue's shape and tone: plain, warm, inclusive, never pressuring."""

from __future__ import annotations

import json
import re
from importlib.resources import files

from schemas.boundaries import CATEGORIES
from tests.tone import CLINICAL, GENDERED, PRESSURE

CATALOGUE = json.loads(files("api").joinpath("data/catalogue.json").read_text("utf-8"))


def test_the_catalogue_follows_the_gradual_path() -> None:
    keys = [c["key"] for c in CATALOGUE["categories"]]
    assert keys == list(CATEGORIES)
    items = CATALOGUE["items"]
    assert 40 <= len(items) <= 80
    assert len({i["key"] for i in items}) == len(items)
    assert len({i["label"].casefold() for i in items}) == len(items)
    for category in CATEGORIES[:-1]:
        assert sum(i["category"] == category for i in items) >= 5, category


def test_the_words_are_plain_inclusive_and_never_pressuring() -> None:
    texts = [i["label"] for i in CATALOGUE["items"]] + [
        c["title"] + " " + c["description"] for c in CATALOGUE["categories"]]
    for text in texts:
        assert len(text) <= 120 and text == text.strip()
        for pattern in (GENDERED, CLINICAL, PRESSURE):
            assert not re.search(pattern, text, re.IGNORECASE), text
