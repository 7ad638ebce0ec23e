"""Property: over generated route tables, the policy evaluated by IAM's rules decides every
request as the route API Gateway serves it requires — exactly for the tables the check accepts.

Requests are enumerated exhaustively over a small alphabet: paths of the routes' depths built
from the literals the tables use plus one literal no table uses, every method a table uses plus
one it does not; sessions are every combination of organization, workspace and permissions the
requirements name. A parameter's value matters only by equalling a literal or not, so these
requests stand for all requests.
"""

from __future__ import annotations

from itertools import product

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from local_stack.api_gateway.iam import is_allowed
from wacht_auth import AuthContext, Route, Scope
from wacht_auth.policy import PolicyBuilder, RouteTableError, check_route_table, resource_pattern
from wacht_auth.routes import ANY, AUTHENTICATED, ORGANIZATION, PUBLIC, WORKSPACE, permission, serving_route

STAGE = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod"
LITERALS = ("a", "b")
UNUSED_LITERAL = "z"
METHODS = ("GET", "PUT")
UNUSED_METHOD = "DELETE"
REQUIREMENTS = (
    PUBLIC,
    AUTHENTICATED,
    ORGANIZATION,
    WORKSPACE,
    permission("x", Scope.ORGANIZATION),
    permission("x", Scope.WORKSPACE),
    permission("y", Scope.WORKSPACE),
)
SESSIONS = tuple(
    AuthContext(
        "u",
        "s",
        organization_id="o" if has_organization else None,
        workspace_id="w" if has_workspace else None,
        organization_permissions=tuple(name for name, granted in zip("xy", organization_grants) if granted),
        workspace_permissions=tuple(name for name, granted in zip("xy", workspace_grants) if granted),
    )
    for has_organization, has_workspace, organization_grants, workspace_grants in product(
        (False, True), (False, True), product((False, True), repeat=2), product((False, True), repeat=2)
    )
)

segments = st.lists(st.sampled_from((*LITERALS, "{p}")), min_size=1, max_size=3)
routes = st.builds(
    lambda method, path, requirement: Route(method, "/" + "/".join(path), requirement, "Function"),
    st.sampled_from((*METHODS, ANY)),
    segments,
    st.sampled_from(REQUIREMENTS),
)
tables = st.lists(routes, min_size=1, max_size=6, unique_by=lambda route: (route.method, route.path))


def served_by(method: str, path: tuple[str, ...], table: tuple[Route, ...]) -> Route | None:
    """The route API Gateway invokes: among the resources matching the path the most specific
    (a literal segment beats a parameter, leftmost first), then its own method, else its ANY.

    Written apart from ``wacht_auth.routes.serving_route`` on purpose: this is the oracle, and the
    policy check under test uses serving_route; sharing the code would let one mistake in it pass
    both. ``test_serving_route_agrees_with_the_oracle`` holds the two to the same answers.
    """
    matching = [
        route
        for route in table
        if len(route.segments) == len(path)
        and all(template.startswith("{") or template == value for template, value in zip(route.segments, path))
    ]
    ranked = sorted(matching, key=lambda route: ["{" in template for template in route.segments])
    if not ranked:
        return None
    resource = [route for route in ranked if route.path == ranked[0].path]
    return next((r for r in resource if r.method == method), None) or next((r for r in resource if r.method == ANY), None)


def plain_policy(auth: AuthContext, table: tuple[Route, ...]) -> dict:
    """The documented policy shape, built without the check: Allow or explicit Deny per gated route."""
    gated = [route for route in table if route.requirement.behind_authorizer]
    allowed = [f"{STAGE}/{resource_pattern(r)}" for r in gated if r.requirement.is_met_by(auth)]
    denied = [f"{STAGE}/{resource_pattern(r)}" for r in gated if not r.requirement.is_met_by(auth)]
    statements = [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resources}
                  for effect, resources in (("Allow", allowed), ("Deny", denied)) if resources]
    return {"Version": "2012-10-17", "Statement": statements}


def wrong_decisions(table: tuple[Route, ...], policy_for) -> list[tuple[str, AuthContext]]:
    """Every (request, session) where the policy disagrees with the serving route's requirement."""
    wrong = []
    depths = {len(route.segments) for route in table}
    requests = [
        (method, path)
        for depth in depths
        for path in product((*LITERALS, UNUSED_LITERAL), repeat=depth)
        for method in (*METHODS, UNUSED_METHOD)
    ]
    served = [(method, path, route) for method, path in requests if (route := served_by(method, path, table)) is not None]
    served = [(method, path, route) for method, path, route in served if route.requirement.behind_authorizer]
    for auth in SESSIONS:
        policy = policy_for(auth)
        for method, path, route in served:
            arn = f"{STAGE}/{method}/" + "/".join(path)
            if is_allowed(policy, arn) is not route.requirement.is_met_by(auth):
                wrong.append((f"{method} /{'/'.join(path)}", auth))
    return wrong


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables)
def test_accepted_tables_get_exactly_right_policies_and_refused_ones_would_not(table):
    table = tuple(table)
    try:
        check_route_table(table)
    except RouteTableError:
        event("refused")
        # Never refused for nothing: the unchecked policy really decides some request wrongly.
        assert wrong_decisions(table, lambda auth: plain_policy(auth, table))
        return
    event("accepted")
    builder = PolicyBuilder(table)
    assert all(builder.build(auth, STAGE) == plain_policy(auth, table) for auth in SESSIONS)
    assert wrong_decisions(table, lambda auth: builder.build(auth, STAGE)) == []


@settings(max_examples=200, deadline=None)
@given(tables)
def test_serving_route_agrees_with_the_oracle(table):
    table = tuple(table)
    depths = {len(route.segments) for route in table} | {0, 4}
    for depth in depths:
        for path in product((*LITERALS, UNUSED_LITERAL), repeat=depth):
            for method in (*METHODS, UNUSED_METHOD):
                assert serving_route(method, path, table) is served_by(method, path, table), (method, path)
