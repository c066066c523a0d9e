"""The combined-state rule, as properties."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from api.services.boundaries import combine, fold

answers = st.sampled_from([None, "yes", "maybe", "no"])


@given(answers, answers)
def test_agreed_only_when_both_say_yes(a: str | None, b: str | None) -> None:
    assert (combine(a, b) == "agreed") == (a == b == "yes")


@given(answers, answers)
def test_any_no_wins(a: str | None, b: str | None) -> None:
    assert (combine(a, b) == "no") == ("no" in (a, b))


@given(answers, answers)
def test_symmetric_and_open_until_both_answer(a: str | None, b: str | None) -> None:
    assert combine(a, b) == combine(b, a)
    if "no" not in (a, b) and None in (a, b):
        assert combine(a, b) == "open"


words = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüé0123456789", min_size=1,
                         max_size=8), min_size=1, max_size=5)


@given(words)
def test_folding_ignores_case_and_spacing(parts: list[str]) -> None:
    plain = " ".join(parts)
    shouted = "  " + "   ".join(p.upper() for p in parts) + "\t"
    assert fold(shouted) == fold(plain) == plain


@given(st.text(max_size=60))
def test_folding_any_text_is_stable(label: str) -> None:
    assert fold(fold(label)) == fold(label)
    assert "  " not in fold(label)
