"""A header of 2000 nested arrays (a 2.7 KB token) is a 401 ``malformed`` on every supported Python.

On Python 3.12.0/3.12.1 ``json.loads`` raises RecursionError for it (3.13 raises ValueError); it
escaped ``unverified_header`` and made the authorizer and /hello answer 500 (issue 17, item 10).
The parser is run for real on the oldest 3.12 found here (pyenv or PATH), with PyJWT from the
test virtualenv: parsing needs no cryptography, which that interpreter could not load from it.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest

from wacht_auth import Reason, Unauthenticated
from wacht_auth.jws import CompactJws, unverified_header

ROOT = Path(__file__).resolve().parents[2]
NESTED_TOKEN = base64.urlsafe_b64encode(b"[" * 2000).rstrip(b"=").decode() + ".e30.sig"

ON_THAT_PYTHON = f"""
import json
from wacht_auth.errors import Unauthenticated
from wacht_auth.jws import CompactJws, unverified_header
try:
    json.loads(b"[" * 2000)
    print("no-recursion-error")
except RecursionError:
    print("recursion-error")
except ValueError:
    print("value-error")
for parse in (unverified_header, CompactJws.parse):
    try:
        parse({NESTED_TOKEN!r})
    except Unauthenticated as refusal:
        print(refusal.reason.value)
"""


def oldest_python_312() -> str | None:
    found = sorted(Path.home().glob(".pyenv/versions/3.12.*/bin/python3.12"), key=lambda p: [int(x) for x in p.parts[-3].split(".")])
    return str(found[0]) if found else shutil.which("python3.12")


def test_the_token_is_small_enough_to_reach_the_verifier():
    assert 2600 < len(NESTED_TOKEN) < 2800


@pytest.mark.parametrize("parse", [unverified_header, CompactJws.parse])
def test_nested_header_is_malformed_here(parse):
    with pytest.raises(Unauthenticated) as caught:
        parse(NESTED_TOKEN)
    assert caught.value.reason is Reason.MALFORMED


def test_nested_header_is_malformed_through_the_verifier(verifier):
    with pytest.raises(Unauthenticated) as caught:
        verifier.verify(NESTED_TOKEN)
    assert caught.value.reason is Reason.MALFORMED


def test_nested_header_is_malformed_on_python_3_12():
    python = oldest_python_312()
    # wacht-auth declares Python 3.12+: its oldest supported Python is part of what this suite proves,
    # as test_sam_build requires 3.13 (pyenv on these machines has both).
    assert python is not None, "no Python 3.12 interpreter found: install one (pyenv install 3.12.1) to check the oldest supported Python"
    paths = [ROOT / "packages" / "wacht-auth" / "src", sysconfig.get_paths()["purelib"]]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, paths)), "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run([python, "-c", ON_THAT_PYTHON], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    json_behaviour, *reasons = result.stdout.split()
    if python.endswith(("3.12.0/bin/python3.12", "3.12.1/bin/python3.12")):
        assert json_behaviour == "recursion-error"  # the condition this test exists for
    assert reasons == ["malformed", "malformed"]
