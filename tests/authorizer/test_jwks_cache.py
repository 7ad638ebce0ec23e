"""The key cache against a real JWKS server on 127.0.0.1: rotation, outages and floods."""

from __future__ import annotations

import base64
import inspect
import json
import re
import threading
import time

import jwt
import pytest

from tests.authorizer.conftest import make_cache
from tests.support.tokens import SigningKey, jwks
from wacht_auth import JwksCache, KeyNotYetKnown, KeysUnavailable, Reason, TokenVerifier, Unauthenticated, fetch_jwks
from wacht_auth.jwks import USER_AGENT, JwksFetchError

COOLDOWN = inspect.signature(JwksCache).parameters["cooldown_seconds"].default
"""The short interval between refetches for an unknown kid (what production runs with)."""


def forged(kid: str, *, iat: float | None) -> str:
    """A token naming ``kid`` with a junk signature: what anyone can send."""
    header = {"alg": "ES256", "kid": kid}
    payload = {"sub": "u", "sid": "s", "exp": 4_000_000_000} | ({"iat": int(iat)} if iat is not None else {})

    def encode(part: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()

    return f"{encode(header)}.{encode(payload)}.c2lnbmF0dXJl"


def test_keys_are_fetched_once_at_cold_start_and_not_per_request(jwks_server, verifier, es_key, claims):
    assert verifier.keys.prime()
    for index in range(50):
        verifier.verify(es_key.sign({**claims, "sid": f"s{index}"}))
    assert jwks_server.requests == 1


def test_fetch_sends_its_own_user_agent(jwks_server, verifier):
    verifier.keys.prime()
    assert jwks_server.user_agents == [USER_AGENT]


def test_new_kid_is_picked_up_by_a_refetch(jwks_server, verifier, es_key, claims, time_passes):
    verifier.keys.prime()
    rotated = SigningKey("es-2")
    jwks_server.document = jwks(es_key, rotated)
    time_passes(COOLDOWN)  # the cold-start fetch's cooldown is over: the first use refetches at once
    assert verifier.verify(rotated.sign({**claims, "iat": int(verifier._clock())})).user_id == claims["sub"]
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


def test_flood_of_unknown_kids_fetches_at_most_once_per_cooldown(jwks_server, verifier, claims, clock, time_passes):
    verifier.keys.prime()
    time_passes(COOLDOWN)  # the cold-start fetch's cooldown is over
    for step in range(100):  # 10 requests a second for 10 s, each a new kid, each issued now
        with pytest.raises(Unauthenticated) as caught:
            verifier.verify(forged(f"unknown-{step}", iat=clock.now))
        assert caught.value.reason is Reason.UNKNOWN_KID
        time_passes(0.1)
    assert jwks_server.requests == 1 + 2  # the cold start + one refetch per 5 s of flood


def test_a_forged_kid_stream_gets_no_5xx_once_the_cold_start_window_is_over(jwks_server, verifier, clock, time_passes):
    """A forged token with an unknown kid, issued 'now', every 100 ms for 20 minutes: the only 5xx
    answers fall in the cooldown after the cold-start fetch; each refetch it causes answers 401."""
    verifier.keys.prime()
    fetched_at = [clock.now]  # wall times of the fetches
    answers: list[tuple[float, str]] = []
    for step in range(12_000):
        requests_before = jwks_server.requests
        try:
            verifier.verify(forged(f"forged-{step % 7}", iat=clock.now))
        except KeyNotYetKnown:
            answers.append((clock.now, "5xx"))
        except Unauthenticated as refusal:
            assert refusal.reason is Reason.UNKNOWN_KID
            answers.append((clock.now, "401"))
        if jwks_server.requests > requests_before:
            fetched_at.append(clock.now)
        time_passes(0.1)
    five_xx = [at for at, answer in answers if answer == "5xx"]
    assert all(fetched_at[0] <= at < fetched_at[0] + COOLDOWN for at in five_xx)  # only right after the cold start
    assert len(five_xx) <= COOLDOWN / 0.1  # 0.4 % of 12,000 answers, and none after the first 5 s
    assert len(fetched_at) <= 1 + 1200 / COOLDOWN  # at most one fetch per cooldown
    assert all(later - earlier > COOLDOWN - 0.01 for earlier, later in zip(fetched_at, fetched_at[1:]))  # float steps


def test_the_5xx_window_after_a_ttl_refresh_is_at_most_the_cooldown(jwks_server, verifier, es_key, claims, clock, time_passes):
    """A TTL refresh nobody asked for may just miss a rotation: a newer token gets a retryable 5xx,
    for no longer than the cooldown; then the refetch decides (here: 401, the kid is not published)."""
    verifier.keys.prime()
    time_passes(600)  # the TTL is over: the next request, an ordinary one, refreshes
    verifier.verify(es_key.sign({**claims, "iat": int(clock.now)}))
    refreshed_at = clock.now
    outcomes = []
    for step in range(80):  # 8 s at 10 requests a second, each a new kid issued now
        try:
            verifier.verify(forged(f"new-{step}", iat=clock.now))
            outcomes.append((clock.now - refreshed_at, "accepted"))
        except KeyNotYetKnown:
            outcomes.append((clock.now - refreshed_at, "5xx"))
        except Unauthenticated:
            outcomes.append((clock.now - refreshed_at, "401"))
        time_passes(0.1)
    five_xx = [since for since, answer in outcomes if answer == "5xx"]
    assert five_xx and max(five_xx) < COOLDOWN
    assert {answer for since, answer in outcomes if since > COOLDOWN - 1e-6} == {"401"}
    assert jwks_server.requests == 3  # cold start, TTL refresh, one refetch when the cooldown ended


def test_a_token_that_causes_the_ttl_refresh_is_checked_against_it(jwks_server, verifier, clock, time_passes):
    """No 5xx window for a forged kid that arrives when the TTL is over: the refresh it triggers answers for it."""
    verifier.keys.prime()
    time_passes(600)
    for step in range(20):
        with pytest.raises(Unauthenticated):
            verifier.verify(forged(f"forged-{step}", iat=clock.now))
        time_passes(0.1)
    assert jwks_server.requests == 2


def test_a_rotated_key_is_accepted_within_the_cooldown_of_its_first_use(jwks_server, verifier, es_key, claims, clock, time_passes):
    """A key rotated just after our (cold-start) fetch: a retryable 5xx, never a 401, until the
    cooldown allows a refetch; then accepted."""
    verifier.keys.prime()
    rotated = SigningKey("es-2")
    jwks_server.document = jwks(es_key, rotated)
    time_passes(1)
    first_use = clock.now
    while True:
        try:
            verifier.verify(rotated.sign({**claims, "iat": int(clock.now), "sid": f"s{int(clock.now * 10)}"}))
            break
        except KeyNotYetKnown:
            time_passes(0.5)
    assert clock.now - first_use <= COOLDOWN
    assert jwks_server.requests == 2


def test_after_a_refetch_that_lacks_it_a_kid_is_401_until_the_next_refetch(jwks_server, verifier, es_key, claims, clock, time_passes):
    """The trade-off that keeps forged kids from opening a 5xx window: a refetch answers for every
    kid it lacks until the next one is allowed, so a key published right after a refetch made for
    another (forged) kid is refused for at most the cooldown, then accepted."""
    verifier.keys.prime()
    time_passes(COOLDOWN)
    with pytest.raises(Unauthenticated):
        verifier.verify(forged("forged", iat=clock.now))  # the refetch it causes
    rotated = SigningKey("es-2")
    jwks_server.document = jwks(es_key, rotated)
    time_passes(1)
    with pytest.raises(Unauthenticated) as caught:
        verifier.verify(rotated.sign({**claims, "iat": int(clock.now)}))
    assert caught.value.reason is Reason.UNKNOWN_KID
    time_passes(COOLDOWN - 1)
    assert verifier.verify(rotated.sign({**claims, "iat": int(clock.now), "sid": "later"})).session_id == "later"
    assert jwks_server.requests == 3


def test_an_unknown_kid_issued_before_our_key_set_is_a_401_without_a_fetch(jwks_server, verifier, claims, clock, time_passes):
    verifier.keys.prime()
    time_passes(COOLDOWN + 1)
    stale = forged("never-published", iat=clock.now - 60)  # issued a minute before our fetch: it was not published then
    with pytest.raises(Unauthenticated) as caught:
        verifier.verify(stale)
    assert caught.value.reason is Reason.UNKNOWN_KID
    assert jwks_server.requests == 1


def test_an_unknown_kid_without_an_iat_is_a_401_without_a_fetch(jwks_server, verifier, time_passes):
    verifier.keys.prime()
    time_passes(COOLDOWN + 1)
    with pytest.raises(Unauthenticated) as caught:
        verifier.verify(forged("never-published", iat=None))
    assert caught.value.reason is Reason.UNKNOWN_KID
    assert jwks_server.requests == 1


@pytest.mark.parametrize("kid", ["es-1", "unknown"])
def test_a_token_from_the_future_is_a_401_before_any_key_lookup(jwks_server, verifier, claims, clock, kid):
    jwks_server.mode = "error"  # a key lookup would be a 5xx: the future iat must be refused first
    with pytest.raises(Unauthenticated) as caught:
        verifier.verify(forged(kid, iat=clock.now + 60))
    assert caught.value.reason is Reason.ISSUED_IN_FUTURE
    assert jwks_server.requests == 0


def test_concurrent_callers_with_unknown_kids_share_a_single_refetch(jwks_server, monotonic, clock):
    cache = make_cache(jwks_server, monotonic, timeout=2.0, wall_clock=clock)
    assert cache.prime()
    monotonic.advance(COOLDOWN)
    jwks_server.mode, jwks_server.delay = "slow", 0.3
    outcomes: list[object] = []

    def lookup(index: int) -> None:
        try:
            outcomes.append(cache.candidates(f"unknown-{index}", "ES256", clock.now + 6))
        except Exception as error:  # noqa: BLE001 - recorded and asserted below
            outcomes.append(error)

    threads = [threading.Thread(target=lookup, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert jwks_server.requests == 2
    assert all(isinstance(outcome, Unauthenticated) and outcome.reason is Reason.UNKNOWN_KID for outcome in outcomes)


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


def test_after_a_failed_cold_start_fetch_retries_back_off_from_half_a_second(jwks_server, monotonic):
    """No key set yet: attempts 0.5 s, 1 s, 2 s, … apart, up to 30 s; no fetch in between."""
    jwks_server.mode = "error"
    cache = make_cache(jwks_server, monotonic)
    attempts = []
    for _ in range(1040):  # 130 s in 0.125 s steps (exact in binary), a request at each
        before = jwks_server.requests
        assert cache.prime() is False
        if jwks_server.requests > before:
            attempts.append(monotonic.now)
        monotonic.advance(0.125)
    gaps = [round(later - earlier, 6) for earlier, later in zip(attempts, attempts[1:])]
    assert gaps == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]
    with pytest.raises(KeysUnavailable):
        cache.candidates("es-1", "ES256")  # in between: an outage, answered without a fetch


def test_a_failed_cold_start_recovers_within_a_second_of_the_server_answering(jwks_server, verifier, es_key, claims, time_passes):
    jwks_server.mode = "error"
    assert verifier.keys.prime() is False  # the cold start fails
    time_passes(0.5)
    with pytest.raises(KeysUnavailable):
        verifier.verify(es_key.sign(claims))  # second attempt, still down
    time_passes(0.2)
    jwks_server.mode = "ok"  # Wacht answers again
    answered_again = 0.0
    while True:
        try:
            auth = verifier.verify(es_key.sign({**claims, "sid": "back"}))
            break
        except KeysUnavailable:
            time_passes(0.1)
            answered_again += 0.1
    assert auth.session_id == "back"
    assert answered_again <= 1.0
    assert jwks_server.requests == 3


def test_a_success_resets_the_backoff(jwks_server, verifier, es_key, claims, monotonic):
    jwks_server.mode = "error"
    for _ in range(4):  # attempts at 0, 0.5, 1.5, 3.5 s: the next would wait 8 s
        verifier.keys.prime()
        monotonic.advance(verifier.keys.retry_delay_seconds)
    jwks_server.mode = "ok"
    assert verifier.keys.prime()
    jwks_server.mode = "error"
    monotonic.advance(600)  # TTL over: the refresh fails; stale keys still serve
    assert verifier.verify(es_key.sign(claims)).user_id == claims["sub"]
    assert verifier.keys.retry_delay_seconds == 0.5


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
    assert time.monotonic() - started < 2.5  # well before the server's 3 s answer: the deadline cut it off
    # The whole-fetch deadline and the socket's read timeout are both 0.3 s here: either may fire
    # first (test_dripping_server_... shows the whole-fetch deadline alone ending a fetch).
    assert re.search(r"longer than|unreachable: TimeoutError", cache.last_error or "")


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


def test_unknown_kid_during_an_outage_is_a_5xx_not_a_401(jwks_server, verifier, claims, clock, time_passes):
    verifier.keys.prime()
    jwks_server.mode = "error"
    time_passes(COOLDOWN)
    stranger = SigningKey("rotated-while-down")
    with pytest.raises(KeysUnavailable):
        verifier.verify(stranger.sign({**claims, "iat": int(clock.now)}))
    # Within the retry backoff we do not hammer the server, and still do not call it a sign-out.
    with pytest.raises(KeysUnavailable):
        verifier.verify(stranger.sign({**claims, "iat": int(clock.now), "sid": "again"}))
    assert jwks_server.requests == 2
    # A token issued before our key set was fetched is not ours, outage or not.
    with pytest.raises(Unauthenticated):
        verifier.verify(stranger.sign({**claims, "iat": int(clock.now) - 60, "sid": "old"}))
    assert jwks_server.requests == 2


def test_flapping_server_answers_each_request_in_the_right_direction(jwks_server, verifier, es_key, claims, monotonic):
    """Down, up, down, up: outage → 5xx, recovery → valid again, stale keys bridge the gaps."""
    jwks_server.mode = "error"
    with pytest.raises(KeysUnavailable):
        verifier.verify(es_key.sign(claims))
    monotonic.advance(0.5)  # the first retry after a failed cold start
    jwks_server.mode = "ok"
    assert verifier.verify(es_key.sign({**claims, "sid": "up"})).session_id == "up"
    jwks_server.mode = "error"
    monotonic.advance(601)
    assert verifier.verify(es_key.sign({**claims, "sid": "stale"})).session_id == "stale"
    jwks_server.mode = "ok"
    monotonic.advance(0.5)
    assert verifier.verify(es_key.sign({**claims, "sid": "fresh"})).session_id == "fresh"
    assert jwks_server.requests == 4


def test_static_key_set_never_fetches(es_key, claims, clock):
    from wacht_auth import KeySet

    verifier = TokenVerifier(claims["iss"], JwksCache.static(KeySet.from_jwks(jwks(es_key))), clock=clock)
    assert verifier.verify(es_key.sign(claims)).user_id == claims["sub"]
    with pytest.raises(Unauthenticated) as caught:
        verifier.verify(SigningKey("other").sign(claims))
    assert caught.value.reason is Reason.UNKNOWN_KID


def test_a_token_naming_another_issuer_never_makes_us_fetch_keys_nor_answers_5xx(jwks_server, verifier, claims, clock,
                                                                                  time_passes):
    """An OAuth access token (its own issuer, its own kid) sent where only sessions are read (GET /hello):
    refused as not ours (401, so "hello stranger"), at once and every time. Before, its unknown kid
    issued "now" looked like a session key rotated after our fetch: a refetch, then a 5xx
    (KeyNotYetKnown) for every such token within the cooldown. Found by the load run's OAuth clients."""
    verifier.keys.prime()
    time_passes(1)
    oauth_key = SigningKey("dev-oauth-1")
    for step in range(3):
        with pytest.raises(Unauthenticated) as caught:
            verifier.verify(oauth_key.sign({**claims, "iss": "https://oauth.example.test", "iat": int(clock.now),
                                            "sid": f"s{step}"}))
        assert caught.value.reason is Reason.UNKNOWN_KID
        time_passes(0.5)
    assert jwks_server.requests == 1  # the cold start's only


@pytest.mark.parametrize("iss", [["ISSUER"], {"iss": "ISSUER"}, 1, True], ids=["list", "object", "number", "bool"])
def test_a_non_string_iss_never_makes_us_fetch_nor_gets_a_token_accepted(jwks_server, verifier, es_key, claims, clock,
                                                                          time_passes, iss):
    """The unverified ``iss`` only decides whether an unknown kid may be a rotation: a value that is not
    our issuer (a list holding it included) is not ours, and signed by our own key it is still refused."""
    def signed(key: SigningKey) -> str:  # PyJWT's jwt.encode refuses a non-string iss: sign the raw payload
        payload = json.dumps({**claims, "iss": iss, "iat": int(clock.now)}).encode()
        return jwt.api_jws.encode(payload, key.private_key, algorithm="ES256", headers={"kid": key.kid})

    iss = json.loads(json.dumps(iss).replace('"ISSUER"', json.dumps(claims["iss"])))
    verifier.keys.prime()
    time_passes(COOLDOWN + 1)
    with pytest.raises(Unauthenticated) as caught:
        verifier.verify(signed(SigningKey("unpublished")))
    assert caught.value.reason is Reason.UNKNOWN_KID
    assert jwks_server.requests == 1
    with pytest.raises(Unauthenticated) as caught:
        verifier.verify(signed(es_key))
    assert caught.value.reason is Reason.WRONG_ISSUER
    # Our issuer (or none at all) is still a possible rotation: refetched.
    with pytest.raises(Unauthenticated):
        verifier.verify(forged("rotated-maybe", iat=clock.now))
    assert jwks_server.requests == 2
