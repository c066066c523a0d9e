"""Two real instances on one PostgreSQL and one Redis keep one budget between them: the
registrations per address, the sign-in slow-down, the wrong pairing codes per account.
And with Redis gone, each instance still limits on its own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.api.test_accounts import assert_problem
from tests.support import (
    PASSWORD,
    ProcessServer,
    RedisProcess,
    client,
    drop_postgres_database,
    fresh_postgres_database,
    random_address,
    register,
    unique_name,
    wait_until,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

REGISTRATIONS = 4
FREE_FAILURES = 2
WRONG_CODES = 4


@contextmanager
def _two_instances(tmp: Path) -> Iterator[tuple[RedisProcess, ProcessServer, ProcessServer]]:
    redis = RedisProcess().start()
    url = fresh_postgres_database()
    # One keyring file, as the instances would share one compose secret. Sign-in
    # attempts per address are plenty, so only the slow-down answers them.
    env = {"DATABASE_URL": url, "REDIS_URL": redis.url,
           "ATTUNE_KEYS_FILE": str(tmp / "keys.json"),
           "ATTUNE_REGISTER_PER_MINUTE": str(REGISTRATIONS),
           "ATTUNE_LOGIN_PER_MINUTE": "1000",
           "ATTUNE_LOGIN_FREE_FAILURES": str(FREE_FAILURES),
           "ATTUNE_JOIN_WRONG_GUESSES": str(WRONG_CODES)}
    one = ProcessServer(env).start()
    two = ProcessServer(env).start()
    try:
        yield redis, one, two
    finally:
        one.stop()
        two.stop()
        redis.stop()
        drop_postgres_database(url)


@pytest.fixture(scope="module")
def instances(tmp_path_factory: pytest.TempPathFactory,
              ) -> Iterator[tuple[ProcessServer, ProcessServer]]:
    """Shared by the tests that keep Redis up; each uses its own people and addresses."""
    with _two_instances(tmp_path_factory.mktemp("shared")) as (_, one, two):
        yield one, two


def _from(server: ProcessServer, address: str, token: str | None = None) -> httpx.Client:
    """A client of this instance that comes from `address`."""
    http = client(server, token)
    http.headers["X-Forwarded-For"] = address
    return http


def _register(http: httpx.Client) -> httpx.Response:
    return http.post("/auth/register", json={"username": unique_name(), "password": PASSWORD})


def test_registrations_per_address_are_one_budget(
    instances: tuple[ProcessServer, ProcessServer],
) -> None:
    address = random_address()
    one, two = (_from(server, address) for server in instances)
    for http in (one, two):
        for _ in range(REGISTRATIONS // 2):
            assert _register(http).status_code == 201
    for http in (one, two):
        refused = _register(http)
        assert_problem(refused, 429)
        assert int(refused.headers["retry-after"]) >= 1
    assert _register(_from(instances[1], random_address())).status_code == 201


def test_the_sign_in_slow_down_follows_a_name_across_instances(
    instances: tuple[ProcessServer, ProcessServer],
) -> None:
    person = register(instances[0])
    address = random_address()
    one, two = (_from(server, address) for server in instances)
    wrong = {"username": person.username, "password": "not the password"}
    right = {"username": person.username, "password": PASSWORD}

    def slowed_on_both() -> bool:
        """Half the free failures on each instance, then a try on each is made to wait.
        The first wait is only a second: on a slow machine a round may miss it (the
        right password then gets in and clears the count), so rounds repeat."""
        for http in (one, two):
            for _ in range(FREE_FAILURES // 2):
                assert_problem(http.post("/auth/login", json=wrong), 401)
        answers = [http.post("/auth/login", json=right) for http in (one, two)]
        if all(answer.status_code == 429 for answer in answers):
            for answer in answers:
                assert_problem(answer, 429)
                assert 1 <= int(answer.headers["retry-after"]) <= 60
            return True
        return False

    wait_until(slowed_on_both, "a try on each instance to be slowed down")
    # Never a lockout: the owner, from their own address, gets in at once.
    assert _from(instances[1], random_address()).post("/auth/login", json=right
                                                       ).status_code == 200


def test_wrong_pairing_codes_are_one_budget(
    instances: tuple[ProcessServer, ProcessServer],
) -> None:
    owner = register(instances[0])
    code = owner.post("/pair/invites").json()["code"]
    guesser = register(instances[0])
    one, two = (_from(server, random_address(), guesser.token) for server in instances)
    for http in (one, two):
        for _ in range(WRONG_CODES // 2):
            assert_problem(http.post("/pair/join", json={"code": "WRONG-CODE-0"}), 404)
    for http in (one, two):  # used up: even the right code is refused
        assert_problem(http.post("/pair/join", json={"code": code}), 429)


def test_without_redis_sign_in_works_and_each_instance_still_limits(tmp_path: Path) -> None:
    with _two_instances(tmp_path) as (redis, one, two):
        person = register(one)
        redis.stop()
        right = {"username": person.username, "password": PASSWORD}
        for server in (one, two):
            assert _from(server, random_address()).post("/auth/login", json=right
                                                         ).status_code == 200
        http = _from(two, random_address())
        for _ in range(REGISTRATIONS):
            assert _register(http).status_code == 201
        assert_problem(_register(http), 429)  # this instance's own budget, not unlimited
        attacker = _from(one, random_address())
        wrong = {"username": person.username, "password": "not the password"}

        def slowed() -> bool:
            """As above: a round that misses the first second's wait is repeated."""
            for _ in range(FREE_FAILURES):
                assert_problem(attacker.post("/auth/login", json=wrong), 401)
            return attacker.post("/auth/login", json=right).status_code == 429

        wait_until(slowed, "a try to be slowed down with Redis gone")
