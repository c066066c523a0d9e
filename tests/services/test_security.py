"""Tokens, codes and the password list."""

from __future__ import annotations

import base64

from hypothesis import given
from hypothesis import strategies as st

from api.security import (
    CODE_ALPHABET,
    common_passwords,
    new_invite_code,
    new_token,
    normalize_invite_code,
)


def test_tokens_carry_256_bits() -> None:
    token = new_token()
    assert len(base64.urlsafe_b64decode(token + "=")) == 32
    assert new_token() != token


def test_codes_are_readable_and_normalise() -> None:
    code = new_invite_code()
    assert len(code) == 9 and code[4] == "-"
    assert all(ch in CODE_ALPHABET for ch in code.replace("-", ""))
    assert normalize_invite_code(code.lower().replace("-", "")) == code
    assert normalize_invite_code("7kq2 m9xd") == "7KQ2-M9XD"
    assert normalize_invite_code("OOOO-IIII") == "0000-1111"
    assert normalize_invite_code("ABCD-EFG") is None
    assert normalize_invite_code("ABCD-EFGU") is None


@given(st.text(max_size=40))
def test_normalising_any_text_is_safe(text: str) -> None:
    normal = normalize_invite_code(text)
    assert normal is None or normalize_invite_code(normal) == normal


def test_common_password_list_is_loaded_lower_case() -> None:
    passwords = common_passwords()
    assert len(passwords) > 1000
    assert "password123" in passwords
    assert all(p == p.lower() for p in passwords)
