"""Web Push: a pause reaches the partner's devices, encrypted, neutral, urgent."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import http_ece
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from tests.api.test_accounts import assert_problem
from tests.api.test_devices import second_device
from tests.support import LiveServer, new_pair


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PushService:
    """A real local HTTP endpoint standing in for a browser's push service."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append({"path": self.path, "headers": dict(self.headers),
                                       "body": body})
                self.send_response(410 if self.path.endswith("/gone") else 201)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            assert time.monotonic() < deadline, f"only {len(self.received)} pushes arrived"
            time.sleep(0.02)

    def until(self, path: str, count: int = 1, timeout: float = 30) -> list[str]:
        """Waits for the `count`th push to `path` (a positive control: a push that must
        come); returns the paths of every push that had arrived by then, in order."""
        deadline = time.monotonic() + timeout
        while True:
            paths = [r["path"] for r in list(self.received)]
            if paths.count(path) >= count:
                return paths
            assert time.monotonic() < deadline, f"no push {count} to {path}; got {paths}"
            time.sleep(0.02)


def payload_of(push: dict[str, Any], key: ec.EllipticCurvePrivateKey,
               keys: dict[str, str]) -> dict[str, Any]:
    """What a device reads from a push, decrypted with its own keys."""
    plain = http_ece.decrypt(push["body"], private_key=key,
                             auth_secret=unb64url(keys["auth"]), version="aes128gcm")
    got: dict[str, Any] = json.loads(plain)
    return got


def device() -> tuple[ec.EllipticCurvePrivateKey, dict[str, str]]:
    key = ec.generate_private_key(ec.SECP256R1())
    point = key.public_key().public_bytes(serialization.Encoding.X962,
                                          serialization.PublicFormat.UncompressedPoint)
    return key, {"p256dh": b64url(point), "auth": b64url(os.urandom(16))}


def verify_vapid(header: str, public_key: str, audience: str) -> None:
    assert header.startswith("vapid t=")
    token = header.split("t=", 1)[1].split(",")[0]
    head, claims, signature = token.split(".")
    assert json.loads(unb64url(claims))["aud"] == audience
    raw = unb64url(signature)
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(public_key))
    key.verify(encode_dss_signature(int.from_bytes(raw[:32], "big"),
                                    int.from_bytes(raw[32:], "big")),
               f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))


@pytest.mark.live
def test_a_pause_is_pushed_to_every_device_of_the_partner(server: LiveServer) -> None:
    a, b = new_pair(server)
    service = PushService()
    public_key = a.get("/push/key").json()["public_key"]
    phone_key, phone = device()
    _, old_tablet = device()
    own_key, own = device()
    assert b.post("/push/subscriptions", json={"endpoint": f"{service.url}/b/phone",
                                               "keys": phone}).status_code == 204
    b.post("/push/subscriptions", json={"endpoint": f"{service.url}/b/gone",
                                        "keys": old_tablet})
    a.post("/push/subscriptions", json={"endpoint": f"{service.url}/a/own", "keys": own})
    with a.live() as la, b.live() as lb:
        seq = la.command("pause")["seq"]
        service.wait_for(2)
        la.command("resume")
        la.command("slow")
        # The positive control: B's pause is pushed to A's device. It is stored after A's
        # resume and slow-down, so a push for either (or for A's own pause to A's own
        # device) would have been set off before it.
        control = lb.command("pause")["seq"]
        paths = service.until("/a/own")
    assert sorted(paths) == ["/a/own", "/b/gone", "/b/phone"]  # the partner's devices only
    mine = next(r for r in service.received if r["path"] == "/a/own")
    assert payload_of(mine, own_key, own)["seq"] == control  # pauses only

    push = next(r for r in service.received if r["path"] == "/b/phone")
    headers = {k.lower(): v for k, v in push["headers"].items()}
    assert int(headers["ttl"]) >= 60 and headers["urgency"] == "high"
    assert headers["content-encoding"] == "aes128gcm"
    verify_vapid(headers["authorization"], public_key, service.url)
    payload = payload_of(push, phone_key, phone)
    assert payload["type"] == "pause" and payload["seq"] == seq
    assert set(payload) == {"type", "seq", "at"}  # no words of the pair

    # The push service said the tablet is gone: it is not tried again.
    service.received.clear()
    with a.live() as la, b.live() as lb:
        la.command("pause")
        service.until("/b/phone")
        lb.command("resume")
        lb.command("pause")  # the positive control again, set off after A's pause
        paths = service.until("/a/own")
    assert sorted(paths) == ["/a/own", "/b/phone"]


FCM = "https://fcm.googleapis.com/fcm/send/"


def test_subscriptions_are_checked_and_removable(server: LiveServer) -> None:
    a, b = new_pair(server)
    _, keys = device()
    endpoint = FCM + uuid.uuid4().hex
    assert_problem(a.post("/push/subscriptions", json={"endpoint": "ftp://x/y/z/w",
                                                       "keys": keys}), 422)
    assert_problem(a.post("/push/subscriptions", json={"endpoint": endpoint,
                                                       "keys": {"p256dh": "!!"}}), 422)
    assert a.post("/push/subscriptions", json={"endpoint": endpoint,
                                               "keys": keys}).status_code == 204
    # Another account posting the same endpoint does not take it over.
    assert_problem(b.post("/push/subscriptions", json={"endpoint": endpoint, "keys": keys}),
                   409)
    assert a.post("/push/subscriptions", json={"endpoint": endpoint,
                                               "keys": keys}).status_code == 204
    assert a.delete("/push/subscriptions", json={"endpoint": endpoint}).status_code == 204


def test_the_server_posts_only_to_push_services(server: LiveServer) -> None:
    a, _ = new_pair(server)
    _, keys = device()
    for forged in ("http://127.0.0.2:9911/x", "https://127.0.0.1/x", "https://10.0.0.7/push",
                   "https://169.254.169.254/latest/meta-data/", "https://[::1]/x",
                   "https://push.example/1", "https://fcm.googleapis.com.evil.example/x",
                   "http://fcm.googleapis.com/fcm/send/x",
                   "https://user:pw@fcm.googleapis.com/fcm/send/x"):
        refused = a.post("/push/subscriptions", json={"endpoint": forged, "keys": keys})
        assert_problem(refused, 422)
        assert forged not in refused.text
    for real in (FCM + "abc", "https://updates.push.services.mozilla.com/wpush/v2/abc",
                 "https://web.push.apple.com/QGuQyavXutnMH", "https://wns2-by3p.notify.windows.com/w/?token=x"):
        assert a.post("/push/subscriptions", json={"endpoint": real, "keys": keys}
                      ).status_code == 204, real


@pytest.mark.live
def test_signing_out_ends_that_devices_pushes(server: LiveServer) -> None:
    a, b = new_pair(server)
    service = PushService()
    _, keys = device()
    _, tablet_keys = device()
    b.post("/push/subscriptions", json={"endpoint": f"{service.url}/b/phone", "keys": keys})
    tablet = second_device(b)  # B's other device, still signed in
    assert tablet.post("/push/subscriptions", json={"endpoint": f"{service.url}/b/tablet",
                                                    "keys": tablet_keys}).status_code == 204
    assert b.post("/auth/logout").status_code == 204
    with a.live() as la:
        la.command("pause")
        la.command("resume")
        la.command("pause")
        # The positive control: both pauses reach the tablet, still signed in. A push to
        # the phone would have gone out with the first of them.
        paths = service.until("/b/tablet", count=2)
    assert paths == ["/b/tablet", "/b/tablet"]  # never the phone that signed out
