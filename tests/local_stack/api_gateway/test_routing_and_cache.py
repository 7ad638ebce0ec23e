"""local_stack.api_gateway.routing (resources from the template) and local_stack.api_gateway.authorizer_cache."""

from __future__ import annotations

from local_stack.api_gateway.authorizer_cache import AuthorizerCache, AuthorizerResult
from local_stack.api_gateway.routing import ApiDefinition, Resource
from tests.support.servers import FakeClock
from api_routes import ROUTES

RESULT = AuthorizerResult("u", {"Statement": []}, {})


def test_the_template_declares_exactly_the_route_table(api):
    declared = {(method, r.path, route.function) for r in api.resources for method, route in r.methods.items()}
    assert declared == {(r.method, r.path, r.function) for r in ROUTES}
    assert all(r.preflight_headers is not None for r in api.resources)
    assert api.stage == "prod"


def test_matching_binds_and_decodes_path_parameters(api):
    match = api.match("/documents/a%20b")
    assert (match.resource.path, dict(match.path_parameters)) == ("/documents/{documentId}", {"documentId": "a b"})
    assert api.match("/documents").resource.path == "/documents"
    assert api.match("/documents/").resource.path == "/documents"
    assert api.match("/documents/a/b") is None and api.match("/") is None and api.match("/documentsx") is None


def test_a_literal_segment_beats_a_parameter_which_beats_a_greedy_one():
    def resource(path):
        return Resource(path, {}, None)

    api = ApiDefinition((resource("/files/{proxy+}"), resource("/files/{id}"), resource("/files/latest")), {}, {}, "prod")
    assert api.match("/files/latest").resource.path == "/files/latest"
    assert api.match("/files/7").resource.path == "/files/{id}"
    match = api.match("/files/a/b")
    assert (match.resource.path, dict(match.path_parameters)) == ("/files/{proxy+}", {"proxy": "a/b"})


def test_the_cache_keeps_a_result_for_the_ttl_only():
    clock = FakeClock(0)
    cache = AuthorizerCache(10, clock=clock)
    cache.put((("t",),), RESULT)
    clock.advance(9.9)
    assert cache.get((("t",),)) is RESULT and cache.get((("other",),)) is None
    clock.advance(0.1)
    assert cache.get((("t",),)) is None and len(cache) == 0


def test_a_zero_ttl_disables_caching():
    cache = AuthorizerCache(0, clock=FakeClock(0))
    cache.put((("t",),), RESULT)
    assert cache.get((("t",),)) is None and len(cache) == 0


def test_flush_empties_the_cache_and_the_size_is_bounded():
    clock = FakeClock(0)
    cache = AuthorizerCache(60, clock=clock, max_entries=2)
    for token in ("a", "b", "c"):
        cache.put(((token,),), RESULT)
    assert len(cache) == 2 and cache.get((("a",),)) is None and cache.get((("c",),)) is RESULT
    cache.flush()
    assert len(cache) == 0
