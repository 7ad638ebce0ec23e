"""Mint a dev session token from the running dev IdP and print just the token.

    python -m local_stack.mint --persona alice
    python -m local_stack.mint --persona alice --workspace "Acme Legal"
    python -m local_stack.mint --sub 72170182881052673 --organization 1 --org-permission members:manage
    TOKEN=$(python -m local_stack.mint --persona bob); curl -H "Authorization: Bearer $TOKEN" ...

The IdP is ``--idp``, else ``WACHT_DEV_IDP_URL``, else http://127.0.0.1:${WACHT_DEV_IDP_PORT:-3001}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request

from .personas import PERSONAS, find_persona

__all__ = ["main", "mint", "token_request"]


def token_request(args: argparse.Namespace) -> dict:
    """The ``POST /tokens`` body the arguments ask for; KeyError/ValueError with a message if not valid."""
    if args.persona:
        if args.sub or args.org_permission or args.workspace_permission:
            raise ValueError("--persona takes its user and permissions from the persona; drop --sub/--*-permission")
        body = find_persona(args.persona).token_request(args.organization, args.workspace)
    elif args.sub:
        body = {
            "sub": args.sub,
            "permissions": {"organization": args.org_permission or [], "workspace": args.workspace_permission or []},
        }
        if args.organization:
            body["organization"] = args.organization
        if args.workspace:
            body["workspace"] = args.workspace
    else:
        raise ValueError("give --persona NAME or --sub USER_ID")
    if args.sid:
        body["sid"] = args.sid
    if args.expires_in is not None:
        body["expires_in"] = args.expires_in
    return body


def mint(idp_url: str, body: dict, timeout_seconds: float = 5.0) -> str:
    """POST ``body`` to ``<idp>/tokens``; RuntimeError with the IdP's message if it refuses."""
    request = urllib.request.Request(
        f"{idp_url.rstrip('/')}/tokens", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_seconds) as response:  # noqa: S310 - a local URL
            return json.load(response)["token"]
    except urllib.error.HTTPError as error:
        detail = error.read().decode(errors="replace")
        raise RuntimeError(f"the dev IdP refused ({error.code}): {detail}") from None
    except (urllib.error.URLError, OSError) as error:
        raise RuntimeError(f"cannot reach the dev IdP at {idp_url} ({error}); is `make dev` running?") from None


def _default_idp_url() -> str:
    return os.environ.get("WACHT_DEV_IDP_URL") or f"http://127.0.0.1:{os.environ.get('WACHT_DEV_IDP_PORT', '3001')}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m local_stack.mint", description="Print a dev session token.")
    parser.add_argument("--persona", choices=[p.id for p in PERSONAS], help="a dev persona (see GET /personas)")
    parser.add_argument("--sub", help="user id (instead of --persona)")
    parser.add_argument("--sid", help="session id (default: a fresh one)")
    parser.add_argument("--organization", help="organization id (or, with --persona, its name)")
    parser.add_argument("--workspace", help="workspace id (or, with --persona, its name)")
    parser.add_argument("--org-permission", action="append", help="organization permission (repeatable)")
    parser.add_argument("--workspace-permission", action="append", help="workspace permission (repeatable)")
    parser.add_argument("--expires-in", type=int, help="lifetime in seconds (negative: already expired)")
    parser.add_argument("--idp", default=None, help="dev IdP origin (default: %(default)s)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        body = token_request(args)
    except (KeyError, ValueError) as error:
        parser.error(str(error).strip("'\""))
    try:
        print(mint(args.idp or _default_idp_url(), body))
    except RuntimeError as error:
        print(f"mint: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
