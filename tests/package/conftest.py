"""The wacht-auth wheel, built from packages/wacht-auth, and a fresh virtualenv holding only it.

Session-scoped: one build and one install for every test of the package (about 20 s; pip takes
PyJWT, cryptography and requests from the package index or its cache, as a user's install would).
The virtualenv is an adopter's development environment: the wheel with its ``check`` extra
(PyYAML, for ``python -m wacht_auth check-template``). What Lambda gets, the wheel and its own
dependencies alone, is what ``sam build`` installs (tests/package/test_own_sam_app.py looks).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "packages" / "wacht-auth"


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(PACKAGE)],
        check=True,
        timeout=300,
    )
    (built,) = out.glob("wacht_auth-*.whl")
    return built


class FreshVenv:
    """A virtualenv with nothing but the wheel and its declared dependencies (``check`` extra included)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.python = root / "bin" / "python"

    def run(self, script: str, *, cwd: Path | None = None, env: dict[str, str] | None = None, payload: object = None) -> object:
        """Run ``script`` in the venv (isolated from this repo: no PYTHONPATH, cwd elsewhere); its stdout is JSON."""
        result = subprocess.run(
            [str(self.python), "-c", script],
            input=json.dumps(payload),
            cwd=cwd or self.root,
            env={"PATH": "/usr/bin:/bin", **(env or {})},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return json.loads(result.stdout)

    def command(self, *args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """``python <args>`` in the venv, as an adopter runs a tool; the caller judges the exit status."""
        return subprocess.run(
            [str(self.python), *args],
            cwd=cwd,
            env={"PATH": "/usr/bin:/bin", **(env or {})},
            capture_output=True,
            text=True,
            timeout=300,
        )


@pytest.fixture(scope="session")
def fresh_venv(tmp_path_factory, wheel) -> FreshVenv:
    root = tmp_path_factory.mktemp("fresh-venv")
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True, timeout=120)
    subprocess.run([str(root / "bin" / "python"), "-m", "pip", "install", "--quiet", f"{wheel}[check]"], check=True, timeout=600)
    return FreshVenv(root)
