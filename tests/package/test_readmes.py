"""The repository README and the package README say the same about what adopters get, and
`make wheel` is the one documented command, needing no development environment."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import wacht_auth
from wacht_auth.decisions import DECISIONS, NAMESPACE, SERVICE

ROOT = Path(__file__).resolve().parents[2]
MAIN = (ROOT / "README.md").read_text()
PACKAGE = (ROOT / "packages" / "wacht-auth" / "README.md").read_text()


def section(text: str, title: str) -> str:
    start = text.index(title)
    end = text.find("\n#", start + len(title))
    return text[start:] if end < 0 else text[start:end]


def metric_rows(text: str) -> list[str]:
    """The first column of the decision table (rows starting with a backticked metric name)."""
    return re.findall(r"^\| `(\w+)` \|", text, re.MULTILINE)


def test_make_wheel_is_the_documented_pip_command_and_installs_nothing():
    dry_run = subprocess.run(["make", "-n", "wheel"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    (command,) = [line for line in dry_run.splitlines() if " pip wheel " in line]
    assert command.split(" -m ")[1] == "pip wheel --quiet --no-deps --wheel-dir dist packages/wacht-auth"
    assert ".venv" not in dry_run and "pip install" not in dry_run
    assert "python -m pip wheel --no-deps -w dist packages/wacht-auth" in section(PACKAGE, "## Install")
    assert "python -m pip wheel --no-deps -w dist packages/wacht-auth" in section(MAIN, "## Use it in your own SAM app")


def test_both_readmes_list_exactly_the_decision_metrics_under_the_same_names():
    main, package = section(MAIN, "### Logs and metrics"), section(PACKAGE, "## Logs and metrics")
    assert metric_rows(main) == metric_rows(package) == list(DECISIONS)
    for text in (main, package):
        assert NAMESPACE in text and SERVICE in text


def test_the_names_the_main_readme_promises_adopters_are_public():
    promised = set(re.findall(r"`(\w+)[(`.]", section(MAIN, "## Use it in your own SAM app")))
    for name in ("AuthorizerHandler", "request_auth", "JsonAnswers", "check_template"):
        assert name in promised and name in wacht_auth.__all__, name
