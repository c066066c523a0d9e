"""Accounts through HTTP: register, login, logout, me, export, delete."""

from __future__ import annotations

import pytest

from tests.support import (
    PASSWORD,
    LiveServer,
    client,
    new_pair,
    pair_up,
    register,
    unique_name,
)


def assert_problem(response, status: int) -> dict:  # type: ignore[no-untyped-def, type-arg]
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    return body  # type: ignore[no-any-return]


def test_register_login_me(server: LiveServer) -> None:
    http = client(server)
    name = unique_name("Ann")
    created = http.post("/auth/register",
                        json={"username": name, "password": PASSWORD, "display_name": " Ann ✨ "})
    assert created.status_code == 201
    account = created.json()
    assert account == {"id": account["id"], "username": name.lower(), "display_name": "Ann ✨"}

    # Case-insensitive login; the token is opaque and long.
    login = http.post("/auth/login", json={"username": name.upper(), "password": PASSWORD})
    assert login.status_code == 200
    token = login.json()["token"]
    assert len(token) >= 43 and login.json()["expires_at"]

    me = http.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json() == {"id": account["id"], "username": name.lower(),
                         "display_name": "Ann ✨", "pair_id": None}
    assert me.headers["cache-control"] == "no-store"


def test_display_name_defaults_to_username(server: LiveServer) -> None:
    person = register(server)
    assert person.display_name == person.username


def test_duplicate_username_is_409_case_insensitively(server: LiveServer) -> None:
    person = register(server)
    again = client(server).post("/auth/register",
                                json={"username": person.username.upper(), "password": PASSWORD})
    assert_problem(again, 409)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "ab", "password": PASSWORD}, "username"),
        ({"username": "x" * 33, "password": PASSWORD}, "username"),
        ({"username": "has space", "password": PASSWORD}, "username"),
        ({"username": "émilie", "password": PASSWORD}, "username"),
        ({"username": "名前です", "password": PASSWORD}, "username"),
        ({"username": "semi;colon", "password": PASSWORD}, "username"),
        ({"username": "okname", "password": "short"}, "password"),
        ({"username": "okname", "password": "x" * 257}, "password"),
        ({"username": "okname", "password": "password123"}, "password"),
        ({"username": "okname", "password": "ILoveYou123"}, "password"),
        ({"username": "okname", "password": "okname-is-my-password"}, "password"),
        ({"username": "okname", "password": PASSWORD, "display_name": "   "}, "display_name"),
        ({"username": "okname", "password": PASSWORD, "display_name": "a\u0000b"}, "display_name"),
        ({"username": "okname", "password": PASSWORD, "display_name": "x" * 65}, "display_name"),
        ({"username": "okname", "password": PASSWORD, "display_name": "Sam\u202emA"},
         "display_name"),
        ({"username": "okname", "password": PASSWORD, "display_name": "\u200b\u200b"},
         "display_name"),
        ({"username": "okname", "password": PASSWORD, "admin": True}, "admin"),
        ({"password": PASSWORD}, "username"),
    ],
)
def test_bad_registrations_are_422_and_never_echo_the_password(
    server: LiveServer, body: dict, field: str  # type: ignore[type-arg]
) -> None:
    answer = client(server).post("/auth/register", json=body)
    problem = assert_problem(answer, 422)
    assert field in {e["field"] for e in problem["errors"]}
    assert body.get("password", "\x01") not in answer.text
    assert client(server).post("/auth/login", json={"username": "okname", "password": PASSWORD}
                               ).status_code == 401


def test_unicode_passwords_work(server: LiveServer) -> None:
    http = client(server)
    name = unique_name()
    password = "ночь тихая 🌙 und Ruhe"
    assert http.post("/auth/register", json={"username": name, "password": password}
                     ).status_code == 201
    assert http.post("/auth/login", json={"username": name, "password": password}
                     ).status_code == 200


def test_wrong_password_and_unknown_user_answer_alike(server: LiveServer) -> None:
    person = register(server)
    http = client(server)
    guess = "not it at all"
    wrong = http.post("/auth/login", json={"username": person.username, "password": guess})
    unknown = http.post("/auth/login", json={"username": unique_name(), "password": guess})
    assert_problem(wrong, 401)
    assert_problem(unknown, 401)
    assert wrong.json() == unknown.json()


def test_logout_revokes_the_token_at_once(server: LiveServer) -> None:
    person = register(server)
    other_device = client(server)
    second = other_device.post("/auth/login",
                               json={"username": person.username, "password": PASSWORD})
    other_device.headers["Authorization"] = f"Bearer {second.json()['token']}"

    out = person.post("/auth/logout")
    assert out.status_code == 204
    assert "storage" in out.headers["clear-site-data"]
    assert_problem(person.get("/me"), 401)
    assert_problem(person.post("/auth/logout"), 401)
    # Only this device: the other stays signed in.
    assert other_device.get("/me").status_code == 200


def test_missing_or_malformed_token_is_401(server: LiveServer) -> None:
    http = client(server)
    assert_problem(http.get("/me"), 401)
    assert_problem(http.get("/me", headers={"Authorization": "Bearer nope"}), 401)
    assert_problem(http.get("/me", headers={"Authorization": "Basic abc"}), 401)
    assert_problem(http.get("/me", headers={"Authorization": "Bearer " + "x" * 500}), 401)


def test_devices_list_marks_the_current_one(server: LiveServer) -> None:
    person = register(server)
    client(server).post("/auth/login", json={"username": person.username, "password": PASSWORD})
    devices = person.get("/me/devices").json()
    assert len(devices) == 2
    assert sum(d["current"] for d in devices) == 1


def test_export_holds_own_data_only(server: LiveServer) -> None:
    a, b = register(server), register(server, display_name="Robin")
    pair_up(a, b)
    export = a.get("/me/export")
    assert export.status_code == 200
    body = export.json()
    assert body["account"]["id"] == a.id
    assert body["pair"]["partner_display_name"] == b.display_name
    assert b.username not in export.text  # the partner's account name is theirs
    assert "password" not in export.text and "token" not in export.text


def test_delete_account_needs_the_password_and_removes_everything(server: LiveServer) -> None:
    a, b = new_pair(server)
    wrong = assert_problem(a.delete("/me", json={"password": "not my password"}), 403)
    assert wrong["type"] == "/problems/wrong-password"
    assert wrong["errors"] == [{"field": "password", "message": "That password doesn't match."}]
    assert a.get("/me").status_code == 200

    assert a.delete("/me", json={"password": PASSWORD}).status_code == 204
    assert_problem(a.get("/me"), 401)
    relogin = client(server).post("/auth/login",
                                  json={"username": a.username, "password": PASSWORD})
    assert_problem(relogin, 401)
    # The partner is unpaired, and the name can be taken again.
    assert b.get("/me").json()["pair_id"] is None
    assert_problem(b.get("/pair"), 404)
    assert client(server).post("/auth/register",
                               json={"username": a.username, "password": PASSWORD}
                               ).status_code == 201


@pytest.mark.live
def test_guessing_the_password_through_a_held_session_is_slowed_down(
        server: LiveServer) -> None:
    person = register(server)
    answers = []
    for n in range(40):
        guess = {"current_password": f"not it {n} at all", "new_password": "a new long phrase"}
        answers.append(person.put("/me/password", json=guess))
        if answers[-1].status_code == 429:
            break
    codes = [r.status_code for r in answers]
    assert codes[-1] == 429 and set(codes[:-1]) == {403}, codes
    assert len(codes) <= 10  # five free guesses, then every further one waits
    assert int(answers[-1].headers["Retry-After"]) >= 1
    # The same count covers deleting the account, and the right password waits too.
    assert_problem(person.delete("/me", json={"password": "still not it"}), 429)
    assert_problem(person.delete("/me", json={"password": PASSWORD}), 429)
    assert_problem(client(server).post("/auth/login", json={
        "username": person.username, "password": PASSWORD},
        headers={"X-Forwarded-For": person.http.headers["X-Forwarded-For"]}), 429)
    assert person.get("/me").status_code == 200  # nothing was changed or deleted
