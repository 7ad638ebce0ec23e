"""The dev users: one table read by the dev IdP (``/personas``, token minting), the Backend API
stand-in (``/users/{id}/details``) and the mint CLI, so their ids always agree.

Ids are decimal snowflakes rendered as strings, like Wacht's.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PERSONAS", "Organization", "Persona", "Workspace", "find_persona", "persona_by_user_id"]


@dataclass(frozen=True)
class Workspace:
    id: str
    name: str
    permissions: tuple[str, ...]


@dataclass(frozen=True)
class Organization:
    id: str
    name: str
    permissions: tuple[str, ...]
    workspaces: tuple[Workspace, ...]


@dataclass(frozen=True)
class Persona:
    id: str
    """Short handle used by the frontend and the CLI (``alice``)."""
    name: str
    user_id: str
    email: str
    organizations: tuple[Organization, ...]
    created_at: str = "2026-01-01T00:00:00Z"

    @property
    def first_name(self) -> str:
        return self.name.split(" ", 1)[0]

    @property
    def last_name(self) -> str:
        return self.name.split(" ", 1)[1] if " " in self.name else ""

    def to_json(self) -> dict:
        """The ``/personas`` entry (the frontend depends on this exact shape)."""
        return {
            "id": self.id,
            "name": self.name,
            "user_id": self.user_id,
            "email": self.email,
            "organizations": [
                {
                    "id": org.id,
                    "name": org.name,
                    "permissions": list(org.permissions),
                    "workspaces": [{"id": w.id, "name": w.name, "permissions": list(w.permissions)} for w in org.workspaces],
                }
                for org in self.organizations
            ],
        }

    def token_request(self, organization_id: str | None = None, workspace_id: str | None = None) -> dict:
        """A ``POST /tokens`` body for this persona: first organization and workspace unless named.

        Raises KeyError when the persona has no such organization or workspace.
        """
        if not self.organizations:
            if organization_id or workspace_id:
                raise KeyError(f"{self.id} belongs to no organization")
            return {"sub": self.user_id, "permissions": {"organization": [], "workspace": []}}
        organization = self._organization(organization_id, workspace_id)
        workspace = None
        if workspace_id is not None:
            workspace = next((w for w in organization.workspaces if workspace_id in (w.id, w.name)), None)
            if workspace is None:
                raise KeyError(f"{self.id} has no workspace {workspace_id!r} in {organization.name}")
        elif organization.workspaces:
            workspace = organization.workspaces[0]
        body = {
            "sub": self.user_id,
            "organization": organization.id,
            "permissions": {
                "organization": list(organization.permissions),
                "workspace": list(workspace.permissions) if workspace else [],
            },
        }
        if workspace is not None:
            body["workspace"] = workspace.id
        return body

    def _organization(self, organization_id: str | None, workspace_id: str | None) -> Organization:
        if organization_id is not None:
            for org in self.organizations:
                if organization_id in (org.id, org.name):
                    return org
            raise KeyError(f"{self.id} has no organization {organization_id!r}")
        if workspace_id is not None:
            for org in self.organizations:
                if any(workspace_id in (w.id, w.name) for w in org.workspaces):
                    return org
        return self.organizations[0]


ACME = "72170190012345601"
GLOBEX = "72170190012345602"
ACME_DOCS = "72170190012345777"
ACME_LEGAL = "72170190012345778"
GLOBEX_MAIN = "72170190012345779"

PERSONAS: tuple[Persona, ...] = (
    Persona(
        "alice", "Alice Admin", "72170182881052673", "alice@acme.test",
        (Organization(ACME, "Acme", ("organization:admin", "members:manage"), (
            Workspace(ACME_DOCS, "Acme Docs", ("workspace:admin", "documents:write")),
            Workspace(ACME_LEGAL, "Acme Legal", ("workspace:member",)),
        )),),
    ),
    Persona(
        "bob", "Bob Member", "72170182881052674", "bob@acme.test",
        (Organization(ACME, "Acme", ("organization:member",), (
            Workspace(ACME_DOCS, "Acme Docs", ("workspace:member",)),
        )),),
    ),
    Persona(
        "carol", "Carol Owner", "72170182881052675", "carol@globex.test",
        (Organization(GLOBEX, "Globex", ("organization:admin", "members:manage"), (
            Workspace(GLOBEX_MAIN, "Globex Main", ("workspace:admin", "documents:write")),
        )),),
    ),
    Persona("dave", "Dave Solo", "72170182881052676", "dave@example.test", ()),
)


def find_persona(persona_id: str) -> Persona:
    """The persona named ``persona_id``; KeyError listing the known ones otherwise."""
    for persona in PERSONAS:
        if persona.id == persona_id:
            return persona
    raise KeyError(f"unknown persona {persona_id!r} (known: {', '.join(p.id for p in PERSONAS)})")


def persona_by_user_id(user_id: str) -> Persona | None:
    return next((p for p in PERSONAS if p.user_id == user_id), None)
