"""local_stack.drills.faults and the admin's switches: the dev IdP's JWKS, DynamoDB's proxy, the Backend API stand-in."""

from __future__ import annotations

import json

import pytest

from local_stack.admin import AdminApi
from local_stack.wacht.backend_api import BackendApiStandIn
from local_stack.wacht.dev_idp import DevIdentityProvider
from local_stack.drills.fault_proxy import FaultProxy
from local_stack.drills.faults import FaultRequestError, FaultSwitches
from local_stack.api_gateway.gateway import LocalGateway
from tests.local_stack.conftest import IDENTITY, http_request


class _Pool:
    """Stands in for a LocalFunction where only recycle and stats are asked."""

    def __init__(self) -> None:
        self.recycled = 0

    def recycle(self) -> int:
        self.recycled += 1
        return 2

    def stats_json(self) -> dict:
        return {"environments": 0}


@pytest.fixture
def parts():
    idp = DevIdentityProvider("http://127.0.0.1:3001", allowed_origin="http://localhost:5173")
    backend = BackendApiStandIn("sk_test_x")
    proxy = FaultProxy("127.0.0.1", 9)  # never connected to in these tests
    yield idp, backend, proxy
    proxy.stop()


def test_switches_turn_each_fault_on_and_off(parts):
    idp, backend, proxy = parts
    switches = FaultSwitches(idp, backend, proxy)
    assert switches.state() == {"jwks": "up", "dynamodb": "pass", "dynamodb_delay_seconds": 0.0, "backend_api": "up"}
    state = switches.apply({"jwks": "down", "dynamodb": "slow", "dynamodb_delay_seconds": 1.5, "backend_api": "down"})
    assert state == {"jwks": "down", "dynamodb": "slow", "dynamodb_delay_seconds": 1.5, "backend_api": "down"}
    assert idp.handle(http_request("GET", "/.well-known/jwks.json")).status == 503
    whoami = backend.handle(http_request("GET", "/users/1/details", headers=(("Authorization", "Bearer sk_test_x"),)))
    assert whoami.status == 503 and json.loads(whoami.body)["errors"][0]["code"] == 503
    switches.apply({"jwks": "up", "dynamodb": "pass", "backend_api": "up"})
    assert idp.handle(http_request("GET", "/.well-known/jwks.json")).status == 200
    assert proxy.mode == "pass" and proxy.delay_seconds == 0.0


@pytest.mark.parametrize("body", [
    None, [], {"jwks": "off"}, {"dynamodb": "broken"}, {"dynamodb_delay_seconds": "1"}, {"dynamodb_delay_seconds": 99},
    {"backend_api": True}, {"everything": "down"},
])
def test_a_bad_request_changes_nothing_and_names_the_problem(parts, body):
    switches = FaultSwitches(*parts)
    with pytest.raises(FaultRequestError):
        switches.apply(body)
    assert switches.state()["jwks"] == "up" and switches.state()["dynamodb"] == "pass"


def _admin(api, faults=None, functions=None):
    idp = DevIdentityProvider("http://127.0.0.1:3001", allowed_origin="http://localhost:5173")
    gateway = LocalGateway(api, {}, IDENTITY)
    return AdminApi(gateway, functions or {}, idp, faults=faults)


def _call(admin, method, path, body=b""):
    response = admin.handle(http_request(method, path, body=body))
    return response.status, json.loads(response.body) if response.body else None


def test_the_admin_serves_the_switches_and_says_when_they_are_off(api, parts):
    assert _call(_admin(api), "GET", "/faults") == (404, {"message": "fault injection is off: start the stack with LOCAL_STACK_FAULTS=1"})
    admin = _admin(api, FaultSwitches(*parts))
    assert _call(admin, "POST", "/faults", b'{"jwks": "down"}')[1]["jwks"] == "down"
    assert _call(admin, "GET", "/faults")[1]["jwks"] == "down"
    assert _call(admin, "POST", "/faults", b"not json") == (400, {"message": "body must be JSON"})
    assert _call(admin, "POST", "/faults", b'{"jwks": 1}')[0] == 400


def test_the_admin_recycles_idle_environments_and_reports_per_function_stats(api):
    pool = _Pool()
    admin = _admin(api, functions={"DocumentsFunction": pool})
    assert _call(admin, "POST", "/environments/recycle") == (200, {"discarded": {"DocumentsFunction": 2}})
    assert pool.recycled == 1
    assert _call(admin, "GET", "/stats")[1]["functions"] == {"DocumentsFunction": {"environments": 0}}
    assert _call(admin, "GET", "/nothing")[0] == 404


def test_the_gateway_switch_takes_down_slow_and_up(parts):
    from local_stack.wacht.gateway import GatewayStandIn

    idp, backend, proxy = parts
    gateway = GatewayStandIn("dev_live_")
    switches = FaultSwitches(idp, backend, proxy, gateway)
    assert switches.state()["gateway"] == "up"
    for mode in ("down", "slow", "up"):
        assert switches.apply({"gateway": mode})["gateway"] == mode == gateway.mode
    with pytest.raises(FaultRequestError, match="gateway must be one of up, down, slow"):
        switches.apply({"gateway": "sideways", "jwks": "down"})
    assert (gateway.mode, idp.jwks_available) == ("up", True)  # a bad request switches nothing
    with pytest.raises(FaultRequestError, match="gateway must be one of"):
        FaultSwitches(idp, backend, proxy).apply({"gateway": "down"})


def test_the_admin_stats_count_the_gateway_stand_ins_checks_and_the_oauth_apps_key_set_fetches(api):
    from local_stack.wacht.gateway import CredentialBook, GatewayStandIn
    from local_stack.wacht.oauth_app import DevOAuthApp

    idp = DevIdentityProvider("http://127.0.0.1:3001", allowed_origin="http://localhost:5173")
    book = CredentialBook()
    gateway, oauth = GatewayStandIn("dev_live_", book), DevOAuthApp(book, "wacht-local-api")
    admin = AdminApi(LocalGateway(api, {}, IDENTITY), {}, idp, wacht_gateway=gateway, oauth_app=oauth)
    gateway.handle(http_request("POST", "/v1/authz/check", body=b'{"principal": {"type": "api_key", "value": "x"}}'))
    oauth.handle(http_request("GET", "/.well-known/jwks.json"))
    oauth.handle(http_request("GET", "/.well-known/jwks.json"))
    stats = _call(admin, "GET", "/stats")[1]
    assert stats["wacht_gateway"] == {"checks": 1, "allowed": 0, "permission_denied": 0, "rate_limited": 0,
                                      "rejected": 1, "bad_request": 0, "faulted": 0}
    assert stats["oauth"] == {"jwks_requests": 2}
    assert (_call(_admin(api), "GET", "/stats")[1]["wacht_gateway"], _call(_admin(api), "GET", "/stats")[1]["oauth"]) == (None, None)
