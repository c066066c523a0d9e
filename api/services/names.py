"""A person's display name: the one free text of an account, sealed at rest like the rest.

The username stays plain, because signing in looks it up.
"""

from __future__ import annotations

import uuid

from api.crypto import Keyring
from api.models import Account


def _aad(account_id: uuid.UUID) -> str:
    return f"account:{account_id}:display_name"


def seal(account_id: uuid.UUID, name: str, keyring: Keyring) -> str:
    """The stored form of a display name."""
    return keyring.encrypt(name, aad=_aad(account_id))


def display_name_of(account: Account, keyring: Keyring) -> str:
    """The name the person chose to be shown by."""
    return keyring.decrypt(account.display_name, aad=_aad(account.id))
