"""wacht-auth as a package: the wheel holds the library and nothing of this app, and verifies a
token in a fresh virtualenv with nothing else installed."""

from __future__ import annotations

import json
import tomllib
import zipfile

from tests.package.conftest import PACKAGE
from tests.support.tokens import SigningKey, jwks, session_claims

ISSUER = "https://frontend.example.com"

VERIFY = """
import json, sys
import wacht_auth
from wacht_auth import Settings, TokenVerifier, Unauthenticated

given = json.load(sys.stdin)
verifier = TokenVerifier.from_settings(Settings.from_environ())
auth = verifier.verify(given["token"])
try:
    verifier.verify(given["forged"])
    forged = "accepted"
except Unauthenticated as refusal:
    forged = refusal.reason.value
print(json.dumps({"user_id": auth.user_id, "organization_id": auth.organization_id,
                  "can_manage": auth.has("members:manage", wacht_auth.Scope.ORGANIZATION),
                  "forged": forged, "location": wacht_auth.__file__}))
"""


def test_the_wheel_is_versioned_typed_and_holds_only_the_library(wheel):
    version = tomllib.loads((PACKAGE / "pyproject.toml").read_text())["project"]["version"]
    assert wheel.name == f"wacht_auth-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        sources = {name: archive.read(name).decode() for name in names if name.endswith(".py")}
    assert "wacht_auth/py.typed" in names
    assert {"wacht_auth/__init__.py", "wacht_auth/verify.py", "wacht_auth/wacht_api.py"} <= set(sources)
    assert all(name.startswith(("wacht_auth/", "wacht_auth-")) for name in names), names
    # Nothing of this app: its paths and permission names live in layers/common/api_routes.py.
    for text in ("/documents", "/members", "documents:write", "members:manage", "api_routes", "api_support"):
        assert not [name for name, source in sources.items() if text in source], text


def test_a_fresh_virtualenv_verifies_a_token_with_the_wheel_alone(fresh_venv):
    key, stranger = SigningKey("k1"), SigningKey("k1")
    claims = session_claims(ISSUER, organization_permissions=["members:manage"])
    answer = fresh_venv.run(
        VERIFY,
        env={"WACHT_DEPLOYMENT_URL": ISSUER, "WACHT_JWKS": json.dumps(jwks(key))},
        payload={"token": key.sign(claims), "forged": stranger.sign(claims)},
    )
    assert answer["user_id"] == claims["sub"] and answer["organization_id"] == claims["organization"]
    assert answer["can_manage"] is True
    assert answer["forged"] == "bad_signature"
    assert str(fresh_venv.root) in answer["location"]  # the installed wheel, not this repository's source


def test_the_public_api_is_what_the_readme_promises(fresh_venv):
    names = fresh_venv.run("import json, wacht_auth; print(json.dumps(sorted(wacht_auth.__all__)))")
    for name in ("Settings", "TokenVerifier", "AuthContext", "Authorizer", "from_gateway_context", "find_route",
                 "Route", "Requirement", "permission", "Unauthenticated", "Forbidden", "KeysUnavailable"):
        assert name in names
    assert "ROUTES" not in names
    client = fresh_venv.run(
        "import json; from wacht_auth.wacht_api import WachtApi; "
        "print(json.dumps(callable(WachtApi(base_url='https://api.example.com').users.get_user)))"
    )
    assert client is True


def test_every_public_name_is_documented_in_the_readme_the_wheel_ships(wheel, fresh_venv):
    names = fresh_venv.run("import json, wacht_auth; print(json.dumps(sorted(wacht_auth.__all__)))")
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [name for name in archive.namelist() if name.endswith(".dist-info/METADATA")]
        readme = archive.read(metadata).decode()  # the long description: the package README
    assert "## Public API" in readme
    missing = [name for name in names if f"`{name}" not in readme]
    assert missing == []


def test_every_public_name_has_a_docstring_of_its_own(fresh_venv):
    undocumented = fresh_venv.run(
        "import inspect, json, wacht_auth\n"
        "objects = {n: getattr(wacht_auth, n) for n in wacht_auth.__all__}\n"
        "own = lambda o: o.__dict__.get('__doc__') if inspect.isclass(o) else o.__doc__\n"
        "print(json.dumps(sorted(n for n, o in objects.items() if (inspect.isclass(o) or inspect.isfunction(o))"
        " and not (own(o) or '').strip())))"
    )
    assert undocumented == []


def test_no_docstring_points_to_a_file_the_wheel_lacks(wheel):
    with zipfile.ZipFile(wheel) as archive:
        sources = "\n".join(archive.read(name).decode() for name in archive.namelist() if name.endswith(".py"))
    for outside in ("shared/wacht.md", "design.md", "layers/common", "template.yaml in this repository"):
        assert outside not in sources, outside
