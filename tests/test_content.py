"""The learn cards, grounding exercises and support list (frontend/content/*.json): what
they cover, their shape, and their tone, read like the catalogue's: plain, warm, never
shaming, never pressuring, no word a person may not know without its plain meaning."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from api.config import FRONTEND
from tests.tone import JARGON, problems

CONTENT = FRONTEND / "content"
LEARN = json.loads((CONTENT / "learn.json").read_text("utf-8"))
GROUNDING = json.loads((CONTENT / "grounding.json").read_text("utf-8"))
SUPPORT = json.loads((CONTENT / "support.json").read_text("utf-8"))
# Fields that are names for the code or numbers to dial, not words to read.
NOT_WORDS = {"key", "code", "phone", "sms", "web", "links", "emergency", "seconds"}


def words(data: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Every text a person reads in `data` in our words, with where it is (a helpline's
    own name is not ours to change: "Need to talk? 1737")."""
    if isinstance(data, str):
        yield where, data
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from words(item, f"{where}[{i}]")
    elif isinstance(data, dict):
        for key, value in data.items():
            if key not in NOT_WORDS and not (key == "name" and "phone" in data):
                yield from words(value, f"{where}.{key}")


def fallback_words() -> str:
    """What the grounding panel says when its exercises can't be read (kept in ground.js)."""
    found = re.search(r'const FALLBACK = "([^"]+)";', (FRONTEND / "ground.js").read_text())
    assert found, "ground.js keeps its fallback words in FALLBACK"
    return found.group(1)


ALL_TEXTS = [*words(LEARN, "learn"), *words(GROUNDING, "grounding"),
             *words(SUPPORT, "support"), ("ground.js FALLBACK", fallback_words())]


@pytest.mark.parametrize(("where", "text"), ALL_TEXTS, ids=[w for w, _ in ALL_TEXTS])
def test_every_text_is_plain_warm_and_never_pressuring(where: str, text: str) -> None:
    # Whom a helpline serves is a fact about it ("for women facing violence"), not an
    # assumption about the two partners.
    serves = ".lines[" in where and where.endswith(".about")
    assert problems(text, gendered=not serves) == [], f"{where}: {text}"


def test_the_tone_check_catches_what_it_is_for() -> None:
    assert problems("You should try again!")
    assert problems("Don't overreact, it was a small thing.")
    assert problems("This is dissociation.")
    assert problems("He needs you to be patient.")
    assert not problems("People who study trauma call this dissociation.")
    assert not problems("You don't have to explain. Setbacks are a normal part of healing.")


def cards(path: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = next(p["cards"] for p in LEARN["paths"] if p["key"] == path)
    return found


def test_learn_covers_the_responses_pacing_setbacks_and_a_path_for_the_partner() -> None:
    assert [p["key"] for p in LEARN["paths"]] == ["responses", "partner"]
    named = " ".join(c.get("also_called", "") for c in cards("responses")).lower()
    for term in ("hyperarousal", "dissociation", "numbing", "freeze", "fawn", "flashback"):
        assert term in named, term
    keys = {c["key"] for c in cards("responses")}
    assert {"pacing", "setbacks", "help"} <= keys
    setbacks = " ".join(next(c for c in cards("responses") if c["key"] == "setbacks")["body"])
    assert "normal" in setbacks
    partner = {c["key"]: c for c in cards("partner")}
    assert {"how-to-help", "not-to-do", "own-support"} <= set(partner)
    # Support of their own, and the survivor's path points to help too.
    assert "support" in partner["own-support"]["links"]
    assert "support" in next(c for c in cards("responses") if c["key"] == "help")["links"]


def test_learn_cards_are_short_and_plain() -> None:
    every = [c for p in LEARN["paths"] for c in p["cards"]]
    assert len({c["key"] for c in every}) == len(every)
    for card in every:
        assert len(card["title"]) <= 40 and not re.search(JARGON, card["title"], re.I), card
        assert 1 <= len(card["body"]) <= 5, card["key"]
        assert all(len(p) <= 320 for p in card["body"]), card["key"]
        assert re.search(r"\byou", " ".join(card["body"]), re.I), card["key"]
        assert set(card["links"]) <= {"ground", "support"}, card["key"]
        # The clinical word, when a card gives one, comes after the plain words.
        if "also_called" in card:
            assert re.search(r"\bcall", card["also_called"], re.I), card["key"]


def test_grounding_has_a_pacer_the_senses_and_more_for_both_kinds_of_distress() -> None:
    breathing = GROUNDING["breathing"]
    (inhale, exhale) = breathing["phases"]
    assert inhale["words"] == "Breathe in" and exhale["words"] == "Breathe out"
    assert 2 <= inhale["seconds"] < exhale["seconds"] <= 8  # a longer out-breath calms
    exercises = {e["key"]: e for e in GROUNDING["exercises"]}
    assert len(exercises) == len(GROUNDING["exercises"]) >= 4
    assert len(exercises["senses"]["steps"]) == 5
    assert "{today}" in " ".join(exercises["now"]["steps"])
    when = [e["when"].lower() for e in GROUNDING["exercises"]] + [breathing["when"].lower()]
    assert sum(("far away" in w or "numb" in w) for w in when) >= 2  # drifting away
    assert sum(("alert" in w or "race" in w or "strong" in w) for w in when) >= 2  # flooded
    for exercise in GROUNDING["exercises"]:
        assert 3 <= len(exercise["steps"]) <= 6, exercise["key"]


def test_support_has_real_lines_per_country_and_a_default_without_numbers() -> None:
    countries = SUPPORT["countries"]
    codes = [c["code"] for c in countries]
    assert len(set(codes)) == len(codes) and all(re.fullmatch(r"[A-Z]{2}", c) for c in codes)
    for country in countries:
        assert re.search(r"\d", country["emergency"]), country["code"]
        assert country["lines"] and country["find"], country["code"]
        for line in country["lines"]:
            assert re.fullmatch(r"[0-9][0-9 -]+[0-9]", line["phone"]), line
            assert re.fullmatch(r"[0-9]+", line.get("sms", "0")), line
            assert line.get("web", "https://").startswith("https://"), line
            assert line["name"] and line["about"] and line["hours"], line
    by_code = {c["code"]: c for c in countries}
    assert "800-656-4673" in [ln["phone"] for ln in by_code["US"]["lines"]]  # RAINN
    assert "0808 500 2222" in [ln["phone"] for ln in by_code["GB"]["lines"]]  # Rape Crisis
    # Where we don't know the country, general guidance only: never an invented number.
    default = " ".join(text for _, text in words(SUPPORT["default"]))
    assert not re.search(r"\d", default), default
    assert "emergency number" in SUPPORT["default"]["danger"]
    assert any(line.get("partners") for c in countries for line in c["lines"])
    assert SUPPORT["therapist"]["body"] and SUPPORT["groups"]["body"]
    assert SUPPORT["partners"]["body"]
