"""The frontend's copy of the route requirements (used to explain a 403 in words) agrees with
the server's route table: same routes behind the authorizer, same access, scope and permission.

No browser needed: it reads frontend/src/api/route-requirements.json.
"""

from __future__ import annotations

import json
from pathlib import Path

from api_routes import ROUTES
from wacht_auth import Access

TABLE = Path(__file__).resolve().parents[2] / "frontend" / "src" / "api" / "route-requirements.json"


def _server_routes() -> dict[tuple[str, str], tuple[str, str | None, str | None]]:
    return {
        (route.method, route.path): (
            route.requirement.access.value,
            route.requirement.scope.value if route.requirement.scope else None,
            route.requirement.permission,
        )
        for route in ROUTES
        if route.requirement.access not in (Access.PUBLIC, Access.OPTIONAL)
    }


def _frontend_routes() -> dict[tuple[str, str], tuple[str, str | None, str | None]]:
    entries = json.loads(TABLE.read_text())["routes"]
    routes = {(e["method"], e["path"]): (e["access"], e.get("scope"), e.get("permission")) for e in entries}
    assert len(routes) == len(entries), "a route is listed twice in the frontend's table"
    return routes


def test_the_frontend_knows_the_requirement_of_every_route_behind_the_authorizer_as_the_server_declares_it():
    assert _frontend_routes() == _server_routes()


def test_every_route_that_needs_a_tenant_names_what_it_is_about_for_the_user():
    for entry in json.loads(TABLE.read_text())["routes"]:
        if entry["access"] != "authenticated":
            assert entry.get("subject"), entry
