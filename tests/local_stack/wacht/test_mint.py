"""python -m local_stack.mint against a real dev IdP on a free port."""

from __future__ import annotations

import pytest

from local_stack.wacht.dev_idp import DevIdentityProvider
from local_stack.wacht.mint import main
from wacht_auth import JwksCache, TokenVerifier, fetch_jwks


@pytest.fixture
def idp():
    provider = DevIdentityProvider(allowed_origin="http://localhost:5173")
    service = provider.serve(0)
    yield provider
    service.stop()


def _verify(idp, token: str):
    return TokenVerifier(idp.issuer, JwksCache(lambda: fetch_jwks(f"{idp.issuer}/.well-known/jwks.json"))).verify(token)


def test_a_persona_token_is_printed_alone(idp, capsys):
    assert main(["--persona", "carol", "--idp", idp.issuer]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    auth = _verify(idp, out.strip())
    assert (auth.user_id, auth.workspace_id) == ("72170182881052675", "72170190012345779")


def test_a_persona_in_another_workspace(idp, capsys):
    main(["--persona", "alice", "--workspace", "Acme Legal", "--idp", idp.issuer])
    assert _verify(idp, capsys.readouterr().out.strip()).workspace_permissions == ("workspace:member",)


def test_explicit_claims(idp, capsys):
    main(["--sub", "42", "--organization", "o", "--org-permission", "members:manage", "--org-permission", "x:y",
          "--expires-in", "60", "--idp", idp.issuer])
    auth = _verify(idp, capsys.readouterr().out.strip())
    assert (auth.user_id, auth.organization_id, auth.organization_permissions) == ("42", "o", ("members:manage", "x:y"))


def test_the_idp_is_found_through_the_environment(idp, capsys, monkeypatch):
    monkeypatch.setenv("WACHT_DEV_IDP_URL", idp.issuer)
    assert main(["--persona", "dave"]) == 0


@pytest.mark.parametrize("argv", [[], ["--persona", "alice", "--sub", "1"], ["--persona", "bob", "--workspace", "Acme Legal"]])
def test_bad_arguments_exit_2_with_a_message(idp, argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--idp", idp.issuer])
    assert exit_.value.code == 2 and capsys.readouterr().err


def test_a_refused_request_exits_1_with_the_idps_reason(idp, capsys):
    assert main(["--sub", "1", "--expires-in", "999999", "--idp", idp.issuer]) == 1
    assert "expires_in" in capsys.readouterr().err


def test_an_unreachable_idp_exits_1_suggesting_make_dev(capsys):
    assert main(["--persona", "alice", "--idp", "http://127.0.0.1:9"]) == 1
    assert "make dev" in capsys.readouterr().err
