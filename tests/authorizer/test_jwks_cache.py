"""The key cache against a real JWKS server on 127.0.0.1: rotation, outages and floods."""

from __future__ import annotations

import threading
import time

import pytest

from tests.authorizer.conftest import make_cache
from tests.support.tokens import SigningKey, jwks
from wacht_auth import JwksCache, KeyNotYetKnown, KeysUnavailable, Reason, TokenVerifier, Unauthenticated, fetch_jwks
from wacht_auth.jwks import USER_AGENT, JwksFetchError


def test_keys_are_fetched_once_at_cold_start_and_not_per_request(jwks_server, verifier, es_key, claims):
    assert verifier.keys.prime()
    for index in range(50):
        verifier.verify(es_key.sign({**claims, "sid": f"s{index}"}))
    assert jwks_server.requests == 1


def test_fetch_sends_its_own_user_agent(jwks_server, verifier):
    verifier.keys.prime()
    assert jwks_server.user_agents == [USER_AGENT]


def test_new_kid_is_picked_up_by_a_refetch(jwks_server, verifier, es_key, claims, monotonic):
    verifier.keys.prime()
    rotated = SigningKey("es-2")
    jwks_server.document = jwks(es_key, rotated)
    monotonic.advance(31)  # past the cooldown since the cold-start fetch
    assert verifier.verify(rotated.sign(claims)).user_id == claims["sub"]
    assert jwks_server.requests == 2


def test_old_kid_is_dropped_after_the_ttl(jwks_server, verifier, es_key, claims, monotonic):
    verifier.keys.prime()
    rotated = SigningKey("es-2")
    jwks_server.document = jwks(rotated)
    monotonic.advance(601)  # past the 10-minute TTL: the next request refreshes
    with pytest.raises(Unauthenticated) as caught:
        verifier.verify(es_key.sign(claims))
    assert caught.value.reason is Reason.UNKNOWN_KID
    assert verifier.verify(rotated.sign(claims)).user_id == claims["sub"]


def test_flood_of_unknown_kids_fetches_at_most_once_per_cooldown(jwks_server, verifier, claims, monotonic):
    verifier.keys.prime()
    monotonic.advance(31)  # the cold-start fetch's cooldown is over
    strangers = [SigningKey(f"unknown-{i}") for i in range(5)]
    for second in range(29):  # 120 requests with unknown kids spread over one cooldown
        for index in range(4):
            with pytest.raises(Unauthenticated):
                verifier.verify(strangers[index % 5].sign({**claims, "sid": f"{second}-{index}"}))
        monotonic.advance(1)
    assert jwks_server.requests == 2  # the cold start + one refetch for the whole flood
    monotonic.advance(2)
    with pytest.raises(Unauthenticated):
        verifier.verify(strangers[0].sign(claims))
    assert jwks_server.requests == 3


def test_concurrent_callers_share_a_single_fetch(jwks_server, monotonic):
    jwks_server.mode, jwks_server.delay = "slow", 0.3
    cache = make_cache(jwks_server, monotonic, timeout=2.0)
    outcomes: list[object] = []

    def lookup() -> None:
        try:
            outcomes.append(cache.candidates("es-1", "ES256"))
        except Exception as error:  # noqa: BLE001 - recorded and asserted below
            outcomes.append(error)

    threads = [threading.Thread(target=lookup) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert jwks_server.requests == 1
    assert all(isinstance(outcome, tuple) and outcome for outcome in outcomes)


def test_server_down_at_cold_start_is_an_outage_not_a_401(jwks_server, verifier, es_key, claims):
    jwks_server.mode = "error"
    assert verifier.keys.prime() is False
    with pytest.raises(KeysUnavailable):
        verifier.verify(es_key.sign(claims))


def test_unreachable_server_is_an_outage(es_key, claims, monotonic, clock):
    cache = JwksCache(lambda: fetch_jwks("http://127.0.0.1:9/.well-known/jwks.json", timeout_seconds=0.5), clock=monotonic)
    verifier = TokenVerifier("http://127.0.0.1:9", cache, clock=clock)
    with pytest.raises(KeysUnavailable):
        verifier.verify(es_key.sign({**claims, "iss": "http://127.0.0.1:9"}))


def test_slow_server_times_out_within_the_limit(jwks_server, monotonic):
    jwks_server.mode, jwks_server.delay = "slow", 3.0
    cache = make_cache(jwks_server, monotonic, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(KeysUnavailable):
        cache.candidates("es-1", "ES256")
    assert time.monotonic() - started < 1.5
    assert "longer than" in (cache.last_error or "")


def test_dripping_server_is_cut_off_at_the_overall_deadline(monotonic):
    """A body sent a byte at a time never trips a per-read timeout; the fetch as a whole must end."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def drip() -> None:
        connection, _ = listener.accept()
        connection.recv(4096)
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        while not stop.wait(0.2):
            try:
                connection.sendall(b" ")
            except OSError:
                break
        connection.close()

    threading.Thread(target=drip, daemon=True).start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/jwks.json"
    started = time.monotonic()
    with pytest.raises(JwksFetchError, match="longer than"):
        fetch_jwks(url, timeout_seconds=0.6)
    assert time.monotonic() - started < 1.5
    stop.set()
    listener.close()


def test_a_server_speaking_broken_http_is_an_outage_not_a_crash(monotonic):
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def answer_garbage() -> None:
        connection, _ = listener.accept()
        connection.recv(4096)
        connection.sendall(b"NOT-HTTP garbage\r\n\r\n")
        connection.close()

    threading.Thread(target=answer_garbage, daemon=True).start()
    cache = JwksCache(lambda: fetch_jwks(f"http://127.0.0.1:{listener.getsockname()[1]}/jwks.json"), clock=monotonic)
    assert cache.prime() is False
    assert "unreachable" in (cache.last_error or "")
    listener.close()


def test_a_deeply_nested_body_is_an_outage_not_a_crash(jwks_server, monotonic):
    jwks_server.mode = "nested"
    cache = make_cache(jwks_server, monotonic)
    assert cache.prime() is False
    assert cache.last_error == "JWKS body is not JSON"


def test_a_fetcher_that_raises_anything_is_an_outage(monotonic):
    def broken():
        raise RuntimeError("bug in a custom fetcher")

    cache = JwksCache(broken, clock=monotonic)
    with pytest.raises(KeysUnavailable):
        cache.candidates("k", "ES256")
    assert cache.last_error == "key set fetch failed: RuntimeError"


def test_a_token_newer_than_the_key_set_during_the_cooldown_is_a_5xx_not_a_401(jwks_server, verifier, es_key, claims, clock, monotonic):
    """A key rotation seen within the refetch cooldown must not sign the user out."""
    verifier.keys._wall_clock = clock  # the cache compares the token's iat with its own fetch time
    verifier.keys.prime()
    rotated = SigningKey("es-2")
    jwks_server.document = jwks(es_key, rotated)
    clock.advance(5)
    monotonic.advance(5)
    with pytest.raises(KeyNotYetKnown):
        verifier.verify(rotated.sign({**claims, "iat": clock.now}))
    # A token older than our key set with an unknown kid is simply not ours: 401.
    with pytest.raises(Unauthenticated) as caught:
        verifier.verify(SigningKey("never-published").sign({**claims, "iat": clock.now - 60, "exp": clock.now + 600}))
    assert caught.value.reason is Reason.UNKNOWN_KID
    monotonic.advance(26)  # the cooldown is over: the refetch finds the rotated key
    assert verifier.verify(rotated.sign({**claims, "iat": clock.now, "sid": "after"})).session_id == "after"


def test_default_fetch_timeout_is_at_most_three_seconds():
    assert fetch_jwks.__kwdefaults__["timeout_seconds"] <= 3.0


@pytest.mark.parametrize("mode", ["garbage", "huge", "empty_keys", "error"])
def test_bad_key_set_responses_are_outages(jwks_server, verifier, es_key, claims, mode):
    jwks_server.mode = mode
    with pytest.raises(KeysUnavailable):
        verifier.verify(es_key.sign(claims))


def test_huge_body_is_refused_by_the_size_cap(jwks_server):
    jwks_server.mode = "huge"
    with pytest.raises(JwksFetchError, match="larger than"):
        fetch_jwks(jwks_server.jwks_url)


def test_failed_refresh_keeps_the_last_good_keys(jwks_server, verifier, es_key, claims, monotonic):
    verifier.keys.prime()
    jwks_server.mode = "error"
    monotonic.advance(601)  # the TTL is over; the refresh fails; the stale set still serves
    assert verifier.verify(es_key.sign(claims)).user_id == claims["sub"]
    assert jwks_server.requests == 2


def test_stale_keys_are_dropped_after_the_grace_period(jwks_server, verifier, es_key, claims, monotonic):
    verifier.keys.prime()
    jwks_server.mode = "error"
    monotonic.advance(600 + 3600 + 1)
    with pytest.raises(KeysUnavailable):
        verifier.verify(es_key.sign(claims))


def test_unknown_kid_during_an_outage_is_a_5xx_not_a_401(jwks_server, verifier, claims, monotonic):
    verifier.keys.prime()
    jwks_server.mode = "error"
    monotonic.advance(31)
    stranger = SigningKey("rotated-while-down")
    with pytest.raises(KeysUnavailable):
        verifier.verify(stranger.sign(claims))
    # Within the cooldown we do not hammer the server, and still do not call it a sign-out.
    with pytest.raises(KeysUnavailable):
        verifier.verify(stranger.sign({**claims, "sid": "again"}))
    assert jwks_server.requests == 2


def test_flapping_server_answers_each_request_in_the_right_direction(jwks_server, verifier, es_key, claims, monotonic):
    """Down, up, down, up: outage → 5xx, recovery → valid again, stale keys bridge the gaps."""
    jwks_server.mode = "error"
    with pytest.raises(KeysUnavailable):
        verifier.verify(es_key.sign(claims))
    monotonic.advance(31)
    jwks_server.mode = "ok"
    assert verifier.verify(es_key.sign({**claims, "sid": "up"})).session_id == "up"
    jwks_server.mode = "error"
    monotonic.advance(601)
    assert verifier.verify(es_key.sign({**claims, "sid": "stale"})).session_id == "stale"
    jwks_server.mode = "ok"
    monotonic.advance(31)
    assert verifier.verify(es_key.sign({**claims, "sid": "fresh"})).session_id == "fresh"
    assert jwks_server.requests == 4


def test_static_key_set_never_fetches(es_key, claims, clock):
    from wacht_auth import KeySet

    verifier = TokenVerifier(claims["iss"], JwksCache.static(KeySet.from_jwks(jwks(es_key))), clock=clock)
    assert verifier.verify(es_key.sign(claims)).user_id == claims["sub"]
    with pytest.raises(Unauthenticated) as caught:
        verifier.verify(SigningKey("other").sign(claims))
    assert caught.value.reason is Reason.UNKNOWN_KID
