"""Property: many users in several organizations and workspaces doing random operations never
read, list, change or delete another tenant's data.

A model of what each workspace and organization holds is kept beside the real functions (moto's
DynamoDB over HTTP); every answer must match the model exactly: a document of another workspace
is a 404 on read and on delete and stays where it was; lists (paged with small limits) show
exactly the caller's tenant; member records of the same id in two organizations stay apart.
"""

from __future__ import annotations

import collections

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.functions.conftest import new_id
from tests.functions.events import proxy_event
from wacht_auth import AuthContext

ORGANIZATIONS = 2
WORKSPACES_PER_ORGANIZATION = 2
USERS = 4
NEVER_CREATED = "0" * 28

# Who acts: (user, organization, workspace in it, what is active, may manage members, may write
# documents). Mostly fully active sessions with permissions, so successes are common and every
# cross-tenant attempt meets real data; the rest exercise the 403s.
WHO = st.tuples(
    st.integers(0, USERS - 1),
    st.integers(0, ORGANIZATIONS - 1),
    st.integers(0, WORKSPACES_PER_ORGANIZATION - 1),
    st.sampled_from(["both", "both", "both", "both", "organization", "none"]),
    st.sampled_from([True, True, True, False]),
    st.sampled_from([True, True, True, False]),
)
OPERATION = st.tuples(
    st.sampled_from(["create", "create", "read", "delete", "list", "put_member", "delete_member", "list_members"]),
    WHO,
    st.booleans(),  # aim: act inside the tenant of the picked document / member, rather than as drawn
    st.integers(0, 10**6),  # which document or member record to pick
    st.sampled_from(["101", "102", "103"]),  # few member ids, so organizations share them
    st.sampled_from(["organization:member", "organization:admin", "billing"]),
    st.integers(1, 3),  # page size
)


# Each dangerous case at least once, whatever the random draw (the assertions after the property
# require them): a document read and deleted by its own workspace and by another organization's,
# a member deleted by its own organization and by another one that has a member of the same id.
_OWNER = (0, 0, 0, "both", True, True)
_STRANGER = (1, 1, 0, "both", True, True)
DANGEROUS_CASES = [
    ("create", _OWNER, False, 0, "101", "organization:member", 1),
    ("read", _STRANGER, False, 0, "101", "organization:member", 1),
    ("delete", _STRANGER, False, 0, "101", "organization:member", 1),
    ("read", _OWNER, True, 0, "101", "organization:member", 1),
    ("delete", _OWNER, True, 0, "101", "organization:member", 1),
    ("put_member", _OWNER, False, 0, "101", "organization:member", 1),
    ("delete_member", _STRANGER, False, 0, "101", "organization:member", 1),
    ("delete_member", _OWNER, True, 0, "101", "organization:member", 1),
]


class World:
    """Fresh tenants (new ids per example: earlier examples' data stays in the table, invisible) and the model."""

    def __init__(self, functions) -> None:
        self.functions = functions
        self.users = [new_id() for _ in range(USERS)]
        self.organizations = [new_id() for _ in range(ORGANIZATIONS)]
        self.workspaces = [[new_id() for _ in range(WORKSPACES_PER_ORGANIZATION)] for _ in self.organizations]
        self.documents: dict[str, dict[str, dict]] = {w: {} for ws in self.workspaces for w in ws}
        self.members: dict[str, dict[str, str]] = {o: {} for o in self.organizations}
        self.known_documents = [(NEVER_CREATED, 0, 0)]  # (id, organization, workspace) of every id ever created
        self.known_members: list[tuple[str, int]] = []  # (member id, organization) of every member ever put
        self.outcomes: collections.Counter = collections.Counter()

    def auth(self, who) -> AuthContext:
        user, organization, workspace, active, manages, writes = who
        organization_id = None if active == "none" else self.organizations[organization]
        workspace_id = self.workspaces[organization][workspace] if active == "both" else None
        return AuthContext(
            user_id=self.users[user],
            session_id=new_id(),
            organization_id=organization_id,
            workspace_id=workspace_id,
            organization_permissions=("members:manage",) if manages and organization_id else (),
            workspace_permissions=("documents:write",) if writes and workspace_id else (),
            expires_at=4_102_444_800,
        )

    def call(self, function, method, resource, auth, **extra):
        answer = self.functions[function].invoke(proxy_event(method, resource, auth=auth, **extra))
        self.outcomes[(method, resource, answer.status)] += 1
        return answer

    def run(self, operation) -> None:
        kind, who, aim, pick, member_id, role, limit = operation
        user, organization, workspace, active, manages, writes = who
        # Counted from the newest: hypothesis favours pick=0, which should be a real document.
        document_id, document_organization, document_workspace = self.known_documents[-1 - pick % len(self.known_documents)]
        if aim and kind in ("read", "delete"):  # in the document's own workspace: same-tenant hits happen often
            organization, workspace, active = document_organization, document_workspace, "both"
        if aim and kind == "delete_member" and self.known_members:
            member_id, organization = self.known_members[-1 - pick % len(self.known_members)]
            active = "organization" if active == "none" else active
        auth = self.auth((user, organization, workspace, active, manages, writes))
        getattr(self, kind)(auth, document_id=document_id, member_id=member_id, role=role, limit=limit)

    def create(self, auth, **_):
        answer = self.call("DocumentsFunction", "POST", "/documents", auth, body={"title": "t"})
        if auth.workspace_id is None:
            assert (answer.status, answer.body) == (403, {"message": "workspace required"})
        elif "documents:write" not in auth.workspace_permissions:
            assert (answer.status, answer.body) == (403, {"message": "Missing required permission: documents:write"})
        else:
            assert answer.status == 201
            self.documents[auth.workspace_id][answer.body["id"]] = answer.body
            organization = self.organizations.index(auth.organization_id)
            self.known_documents.append((answer.body["id"], organization, self.workspaces[organization].index(auth.workspace_id)))

    def read(self, auth, document_id, **_):
        answer = self.call("DocumentsFunction", "GET", "/documents/{documentId}", auth, path_parameters={"documentId": document_id})
        if auth.workspace_id is None:
            assert answer.status == 403
            return
        expected = self.documents[auth.workspace_id].get(document_id)
        if expected is None:
            assert (answer.status, answer.body) == (404, {"message": "document not found"})
        else:
            assert (answer.status, answer.body) == (200, expected)

    def delete(self, auth, document_id, **_):
        answer = self.call("DocumentsFunction", "DELETE", "/documents/{documentId}", auth, path_parameters={"documentId": document_id})
        if auth.workspace_id is None or "documents:write" not in auth.workspace_permissions:
            assert answer.status == 403
        elif self.documents[auth.workspace_id].pop(document_id, None) is None:
            assert answer.status == 404
        else:
            assert answer.status == 204

    def list(self, auth, limit, **_):
        if auth.workspace_id is None:
            assert self.call("DocumentsFunction", "GET", "/documents", auth).status == 403
            return
        items = self.list_all("DocumentsFunction", "/documents", auth, limit)
        assert items == sorted(self.documents[auth.workspace_id].values(), key=lambda d: d["id"])

    def put_member(self, auth, member_id, role, **_):
        answer = self.call("MembersFunction", "PUT", "/members/{memberId}", auth, path_parameters={"memberId": member_id}, body={"role": role})
        if auth.organization_id is None or "members:manage" not in auth.organization_permissions:
            assert answer.status == 403
        else:
            assert answer.status == 200
            self.members[auth.organization_id][member_id] = role
            self.known_members.append((member_id, self.organizations.index(auth.organization_id)))

    def delete_member(self, auth, member_id, **_):
        answer = self.call("MembersFunction", "DELETE", "/members/{memberId}", auth, path_parameters={"memberId": member_id})
        if auth.organization_id is None or "members:manage" not in auth.organization_permissions:
            assert answer.status == 403
        elif self.members[auth.organization_id].pop(member_id, None) is None:
            assert answer.status == 404
        else:
            assert answer.status == 204

    def list_members(self, auth, limit, **_):
        if auth.organization_id is None:
            assert self.call("MembersFunction", "GET", "/members", auth).status == 403
            return
        items = self.list_all("MembersFunction", "/members", auth, limit)
        assert {m["member_id"]: m["role"] for m in items} == self.members[auth.organization_id]

    def list_all(self, function, resource, auth, limit):
        items, cursor = [], None
        for _ in range(100):
            query = {"limit": str(limit)} | ({"cursor": cursor} if cursor else {})
            answer = self.call(function, "GET", resource, auth, query=query)
            assert answer.status == 200
            items += answer.body["items"]
            cursor = answer.body["next_cursor"]
            if cursor is None:
                return items
        raise AssertionError("pagination did not end")


def test_no_operation_ever_reaches_another_tenants_data(functions):
    totals: collections.Counter = collections.Counter()

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.lists(OPERATION, min_size=10, max_size=40))
    @example(DANGEROUS_CASES)
    def scenario(operations):
        world = World(functions)
        for operation in operations:
            world.run(operation)
        totals.update(world.outcomes)

    scenario()
    # The property means something only if the dangerous cases actually happened.
    assert totals[("GET", "/documents/{documentId}", 200)] and totals[("GET", "/documents/{documentId}", 404)]
    assert totals[("DELETE", "/documents/{documentId}", 204)] and totals[("DELETE", "/documents/{documentId}", 404)]
    assert totals[("DELETE", "/members/{memberId}", 204)] and totals[("DELETE", "/members/{memberId}", 404)]
