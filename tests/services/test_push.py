"""Where Web Push may be sent: checked when a device subscribes, and again at each send."""

from __future__ import annotations

import socket
from typing import Any

from api.config import Settings
from api.services.push import endpoint_allowed, resolves_publicly

SERVICES = Settings().push_services


def resolver(*addresses: str) -> Any:
    def resolve(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]
    return resolve


def test_a_push_service_name_that_now_points_inward_is_not_followed() -> None:
    endpoint = "https://fcm.googleapis.com/fcm/send/abc"
    assert endpoint_allowed(endpoint, SERVICES)
    assert resolves_publicly(endpoint, SERVICES, resolver("142.250.74.42"))
    for inward in ("127.0.0.1", "10.1.2.3", "192.168.0.9", "169.254.169.254", "::1",
                   "fd00::1", "100.64.0.1"):
        assert not resolves_publicly(endpoint, SERVICES, resolver("142.250.74.42", inward))


def test_a_name_that_does_not_resolve_is_not_sent_to() -> None:
    def fails(*_: Any, **__: Any) -> Any:
        raise socket.gaierror("no such name")
    assert not resolves_publicly("https://fcm.googleapis.com/x", SERVICES, fails)


def test_an_operator_listed_relay_is_allowed_as_listed_only() -> None:
    services = [*SERVICES, "http://127.0.0.1"]
    assert endpoint_allowed("http://127.0.0.1:8123/b/phone", services)
    assert resolves_publicly("http://127.0.0.1:8123/b/phone", services, resolver("127.0.0.1"))
    assert not endpoint_allowed("http://127.0.0.2:8123/b/phone", services)
    assert not endpoint_allowed("http://127.0.0.1:8123/b/phone", SERVICES)
