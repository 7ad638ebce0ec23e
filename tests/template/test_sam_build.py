"""`sam build` works on this machine: python3.13 / arm64 without containers, the layer holding
our packages and aarch64 wheels (Lambda's arm64 runtime cannot load x86 extension modules)."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tomllib
from pathlib import Path

import pytest

from local_stack.api_gateway.sam_template import PROJECT_ROOT, function_ids, load_source

SAM = PROJECT_ROOT / ".venv-sam" / "bin" / "sam"
ELF_MACHINE_AARCH64 = 183


def python313_dir() -> str:
    """The folder of a python3.13 interpreter, found as the Makefile finds it (pyenv first, then PATH)."""
    candidates = sorted(Path.home().glob(".pyenv/versions/3.13*/bin/python3.13"))
    found = str(candidates[-1]) if candidates else shutil.which("python3.13")
    assert found, "sam build needs python3.13 (the functions' runtime): install it, e.g. `pyenv install 3.13`"
    return str(Path(found).parent)


def elf_machine(path: Path) -> int:
    with path.open("rb") as binary:
        header = binary.read(20)
    assert header[:4] == b"\x7fELF", path
    return struct.unpack("<H", header[18:20])[0]


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory):
    build = tmp_path_factory.mktemp("sam-build")
    environment = {**os.environ, "PATH": f"{python313_dir()}:{os.environ['PATH']}", "SAM_CLI_TELEMETRY": "0"}
    result = subprocess.run(
        [str(SAM), "build", "--template", "template.yaml", "--build-dir", str(build / "out"), "--cache-dir", str(build / "cache")],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return build / "out"


def test_the_layer_holds_our_packages_under_python(build_dir):
    layer = build_dir / "CommonLayer" / "python"
    for package in ("wacht_auth", "api_support", "jwt", "aws_lambda_powertools", "requests"):
        assert (layer / package / "__init__.py").is_file(), package
    assert (layer / "api_routes.py").is_file()  # the app's route table, beside api_support


def test_the_layers_wacht_auth_is_installed_from_the_package(build_dir):
    layer = build_dir / "CommonLayer" / "python"
    version = tomllib.loads((PROJECT_ROOT / "packages/wacht-auth/pyproject.toml").read_text())["project"]["version"]
    assert (layer / f"wacht_auth-{version}.dist-info").is_dir()  # pip installed it: the layer is built from the package
    assert (layer / "wacht_auth" / "py.typed").is_file() and (layer / "wacht_auth" / "wacht_api.py").is_file()


def test_the_layers_cryptography_is_built_for_aarch64(build_dir):
    extensions = list((build_dir / "CommonLayer" / "python" / "cryptography").rglob("*.so"))
    assert extensions
    assert {elf_machine(path) for path in extensions} == {ELF_MACHINE_AARCH64}


def test_every_function_is_built_with_its_handler(build_dir):
    for function in function_ids(load_source()):
        assert (build_dir / function / "app.py").is_file(), function
    assert "CommonLayer" in (build_dir / "template.yaml").read_text()
