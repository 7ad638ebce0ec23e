"""The production bundle is public: nothing in it may look like a backend secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.stack import RunningStack

from .conftest import BACKEND_SECRET_CANARY
from .secrets_scan import scan_tree

pytestmark = pytest.mark.browser


def test_production_build_contains_nothing_that_looks_like_a_backend_secret(frontend_build: Path, stack: RunningStack):
    bundle = "\n".join(p.read_text(errors="replace") for p in frontend_build.rglob("*") if p.is_file())

    assert scan_tree(frontend_build) == {}
    assert BACKEND_SECRET_CANARY not in bundle, "a non-VITE_ variable from the build environment reached the bundle"
    assert stack.api in bundle, "the scan looked at the bundle that the browser tests run"


def test_the_scan_finds_a_secret_planted_in_a_bundle(tmp_path: Path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "index.js").write_text('const a="sk_live_2f9Xq81";const b="pk_live_aHR0cHM6Ly9m";')
    (tmp_path / "index.html").write_text("<html></html>")

    assert scan_tree(tmp_path) == {"assets/index.js": ["sk_live_2f9Xq81"]}
