"""Fixtures for the browser tests: the local stack, the production build of the frontend
served on 127.0.0.1, and Debian's Chromium driven by Playwright (never a downloaded browser).

One stack, one build and one browser per session; a fresh browser context per test.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, Request, Response, sync_playwright

from tests.support.stack import RunningStack, running_stack

from .static_site import StaticSite

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BACKEND_SECRET_CANARY = "sk_test_canary_must_never_reach_the_bundle"
"""Set in the build's environment: the bundle must not contain it (only VITE_* variables are inlined)."""
AUTHORIZER_CACHE_TTL_SECONDS = 2
"""Short, so a token that expired is not served from API Gateway's policy cache for minutes."""


@pytest.fixture(scope="session")
def site() -> Iterator[StaticSite]:
    site = StaticSite()
    yield site
    site.stop()


@pytest.fixture(scope="session")
def stack(site: StaticSite) -> Iterator[RunningStack]:
    """`python -m local_stack` (what `make dev` runs) on free ports, allowing the site's origin."""
    env = {"ALLOWED_ORIGIN": site.origin(), "AUTHORIZER_CACHE_TTL_SECONDS": str(AUTHORIZER_CACHE_TTL_SECONDS)}
    with running_stack(env) as stack:
        yield stack


def _npm_ci_if_needed() -> None:
    if not (FRONTEND / "node_modules" / ".bin" / "vite").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=FRONTEND, check=True)


@pytest.fixture(scope="session")
def frontend_build(stack: RunningStack, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`vite build` (production mode) pointed at this session's stack, with a secret-shaped
    canary in the environment that must not end up in the bundle."""
    _npm_ci_if_needed()
    out = tmp_path_factory.mktemp("frontend-dist")
    env = dict(
        os.environ,
        VITE_API_URL=stack.api,
        VITE_DEV_IDP_URL=stack.idp,
        WACHT_BACKEND_SECRET=BACKEND_SECRET_CANARY,
    )
    vite = str(FRONTEND / "node_modules" / ".bin" / "vite")
    command = [vite, "build", "--outDir", str(out), "--emptyOutDir", "--logLevel", "warn"]
    subprocess.run(command, cwd=FRONTEND, env=env, check=True)
    return out


@pytest.fixture(scope="session")
def app_url(site: StaticSite, frontend_build: Path) -> str:
    site.serve(frontend_build)
    return site.origin() + "/"


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
    yield browser
    browser.close()


@dataclass
class ApiCall:
    method: str
    path: str
    status: int
    authorization: str | None


@dataclass
class BrowserLog:
    """What the page did that a user would not see but a test must: console errors, failed
    requests (a CORS rejection shows up here), and every answer from the API."""

    api_origin: str
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    api_calls: list[ApiCall] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def on_failed(self, request: Request) -> None:
        self.failed_requests.append(f"{request.method} {request.url}: {request.failure}")

    def on_response(self, response: Response) -> None:
        request = response.request
        if request.url.startswith(self.api_origin) and request.method != "OPTIONS":
            path = request.url.removeprefix(self.api_origin)
            self.api_calls.append(ApiCall(request.method, path, response.status, request.headers.get("authorization")))

    def calls(self, method: str, path_prefix: str) -> list[ApiCall]:
        return [c for c in self.api_calls if c.method == method and c.path.startswith(path_prefix)]

    def cors_errors(self) -> list[str]:
        return [e for e in self.console_errors + self.failed_requests if "CORS" in e or "Access-Control" in e]


@pytest.fixture()
def tab(browser: Browser, stack: RunningStack) -> Iterator[tuple[Page, BrowserLog]]:
    """A page in a fresh browser context (no storage shared between tests) and its log."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    log = BrowserLog(api_origin=stack.api)
    page.on("console", log.on_console)
    page.on("pageerror", lambda error: log.console_errors.append(f"pageerror: {error}"))
    page.on("requestfailed", log.on_failed)
    page.on("response", log.on_response)
    yield page, log
    context.close()


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
