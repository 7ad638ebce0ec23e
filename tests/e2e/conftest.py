"""One local stack (python -m local_stack on free ports) shared by the end-to-end tests."""

from __future__ import annotations

import pytest

from tests.support.stack import RunningStack, running_stack

ALLOWED_ORIGIN = "http://localhost:5173"
"""The local stack's own AllowedOrigin (local_stack.config), kept unless ALLOWED_ORIGIN is set."""


@pytest.fixture(scope="session")
def stack() -> RunningStack:
    with running_stack() as running:
        yield running


@pytest.fixture(scope="session")
def tokens(stack: RunningStack) -> dict[str, str]:
    """One token per persona, in its first organization and workspace."""
    return {persona: stack.mint(persona) for persona in ("alice", "bob", "carol", "dave")}
