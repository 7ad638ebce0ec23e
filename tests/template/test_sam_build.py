"""`sam build` works on this machine: python3.13 / arm64 without containers, the layer holding
our packages and aarch64 wheels (Lambda's arm64 runtime cannot load x86 extension modules), the
locked dependencies and nothing else, and hash-based bytecode for every module (issue 15).

Builds run as the README tells users to (`sam build`, with samconfig.toml's settings), so a
setting there that ships stale code (issue 17: ``cached = true``) fails here.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import struct
import subprocess
import tomllib
from pathlib import Path

import pytest

from local_stack.api_gateway.sam_template import PROJECT_ROOT, function_ids, load_source

SAM = PROJECT_ROOT / ".venv-sam" / "bin" / "sam"
ELF_MACHINE_AARCH64 = 183
ELF_MACHINE_X86_64 = 62
BYTECODE_TAG = "cpython-313"  # the functions' runtime, python3.13


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


def sam_build(cwd: Path, out: Path, *arguments: str, **environment: str) -> Path:
    """`sam build` in ``cwd`` with its samconfig.toml, as a user runs it; returns the build folder."""
    env = {**os.environ, "PATH": f"{python313_dir()}:{os.environ['PATH']}", "SAM_CLI_TELEMETRY": "0", **environment}
    result = subprocess.run(
        [str(SAM), "build", "--template", "template.yaml", "--build-dir", str(out), *arguments],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory):
    build = tmp_path_factory.mktemp("sam-build")
    return sam_build(PROJECT_ROOT, build / "out", "--cache-dir", str(build / "cache"))


@pytest.fixture(scope="module")
def x86_build_dir(tmp_path_factory):
    """The same recipe for x86_64 (LAMBDA_ARCH reaches the Makefile through sam build's environment)."""
    build = tmp_path_factory.mktemp("sam-build-x86")
    return sam_build(PROJECT_ROOT, build / "out", "--cache-dir", str(build / "cache"), LAMBDA_ARCH="x86_64")


def bytecode_problems(build: Path) -> list[str]:
    """Every .py of the build without a hash-based .pyc for python3.13 that matches its source."""
    problems = []
    sources = list(build.rglob("*.py"))
    assert len(sources) > 300, len(sources)  # the layer's packages are there to be checked
    for source in sources:
        compiled = source.parent / "__pycache__" / f"{source.stem}.{BYTECODE_TAG}.pyc"
        if not compiled.is_file():
            problems.append(f"no .pyc: {source.relative_to(build)}")
            continue
        header = compiled.read_bytes()[:16]
        flags = int.from_bytes(header[4:8], "little")
        if header[:4] != importlib.util.MAGIC_NUMBER or not flags & 0b01:
            problems.append(f"not a hash-based python3.13 .pyc: {compiled.relative_to(build)}")
        elif header[8:16] != importlib.util.source_hash(source.read_bytes()):
            problems.append(f"stale .pyc: {compiled.relative_to(build)}")
    return problems


def locked_versions() -> dict[str, str]:
    lock = (PROJECT_ROOT / "layers/common/requirements.lock").read_text()
    return {name.lower().replace("_", "-"): version for name, version in re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", lock, re.M)}


def installed_versions(site: Path) -> dict[str, str]:
    found = {}
    for info in site.glob("*.dist-info"):
        metadata = (info / "METADATA").read_text(errors="replace")
        name = re.search(r"^Name: (.+)$", metadata, re.M).group(1).strip()
        found[name.lower().replace("_", "-")] = re.search(r"^Version: (.+)$", metadata, re.M).group(1).strip()
    return found


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


def test_every_module_of_the_layer_and_the_functions_ships_hash_based_bytecode(build_dir):
    assert bytecode_problems(build_dir) == []


def test_an_x86_64_build_ships_the_same_bytecode_and_x86_64_wheels(build_dir, x86_build_dir):
    assert bytecode_problems(x86_build_dir) == []
    extensions = list((x86_build_dir / "CommonLayer" / "python" / "cryptography").rglob("*.so"))
    assert extensions and {elf_machine(path) for path in extensions} == {ELF_MACHINE_X86_64}
    for function in function_ids(load_source()):  # bytecode does not depend on the CPU
        assert (x86_build_dir / function / "__pycache__" / f"app.{BYTECODE_TAG}.pyc").read_bytes() == \
            (build_dir / function / "__pycache__" / f"app.{BYTECODE_TAG}.pyc").read_bytes()


def test_bytecode_names_the_paths_lambda_mounts(build_dir):
    import marshal

    layer_module = build_dir / "CommonLayer" / "python" / "wacht_auth" / "__pycache__" / f"verify.{BYTECODE_TAG}.pyc"
    function_module = build_dir / "AuthorizerFunction" / "__pycache__" / f"app.{BYTECODE_TAG}.pyc"
    assert marshal.loads(layer_module.read_bytes()[16:]).co_filename == "/opt/python/wacht_auth/verify.py"
    assert marshal.loads(function_module.read_bytes()[16:]).co_filename == "/var/task/app.py"


def test_the_layer_holds_exactly_the_locked_dependencies_and_no_aws_sdk(build_dir):
    installed = installed_versions(build_dir / "CommonLayer" / "python")
    version = tomllib.loads((PROJECT_ROOT / "packages/wacht-auth/pyproject.toml").read_text())["project"]["version"]
    assert installed == {**locked_versions(), "wacht-auth": version}
    # The runtime's boto3 must find the runtime's botocore: a copy in the layer would shadow it.
    for shadowing in ("boto3", "botocore", "s3transfer", "dateutil", "six.py"):
        assert not (build_dir / "CommonLayer" / "python" / shadowing).exists(), shadowing


def test_the_lock_pins_every_dependency_with_hashes():
    lines = [line for line in (PROJECT_ROOT / "layers/common/requirements.lock").read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    requirements: list[list[str]] = []
    for line in lines:
        if line[0].isspace():
            requirements[-1].append(line.strip())
        else:
            requirements.append([line])
    assert len(requirements) == len(locked_versions()) >= 10
    for first, *hashes in requirements:
        assert re.fullmatch(r"[A-Za-z0-9_.-]+==\S+ \\", first), first  # an exact version, nothing else
        assert hashes and all(re.fullmatch(r"--hash=sha256:[0-9a-f]{64}( \\)?", line) for line in hashes), first
    direct = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$", (PROJECT_ROOT / "layers/common/requirements.in").read_text(), re.M)
    assert all(locked_versions()[name.lower()] == version for name, version in direct)


def test_the_test_virtualenv_has_the_layers_locked_versions():
    """The tests run against what the layer ships, not whatever a tool's requirements pulled in."""
    import sysconfig

    installed = installed_versions(Path(sysconfig.get_paths()["purelib"]))
    assert {name: installed.get(name) for name in locked_versions()} == locked_versions()


def test_the_makefile_builds_for_the_templates_architecture():
    source = load_source()
    architectures = {tuple(source["Globals"]["Function"]["Architectures"])}
    architectures |= {tuple(resource["Properties"].get("Architectures", source["Globals"]["Function"]["Architectures"]))
                      for resource in source["Resources"].values() if resource["Type"] == "AWS::Serverless::Function"}
    layer = source["Resources"]["CommonLayer"]
    architectures |= {(layer["Metadata"]["BuildArchitecture"],), tuple(layer["Properties"]["CompatibleArchitectures"])}
    assert len(architectures) == 1
    made = subprocess.run(["make", "-s", "lambda-arch"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert (made.stdout.strip(),) == architectures.pop()


def file_digests(build: Path) -> dict[str, str]:
    """Every file of a build by its content, but the record of where wacht-auth was installed from
    (pip writes the source folder's path into direct_url.json and hashes it in RECORD)."""
    import hashlib

    return {str(path.relative_to(build)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(build.rglob("*")) if path.is_file() and "wacht_auth-" not in str(path.relative_to(build))}


def test_a_change_to_wacht_auth_is_rebuilt_by_the_next_sam_build(tmp_path, build_dir):
    """issue 17: with ``cached = true`` SAM skipped the layer ("Manifest is not changed") and
    shipped the old wacht_auth. Two builds of a copy of the project, a change in between. The
    first is also compared with the module's build from the project itself: the same bytes."""
    project = tmp_path / "project"
    ignore = shutil.ignore_patterns("__pycache__", ".aws-sam", "node_modules")
    project.mkdir()
    for name in ("template.yaml", "samconfig.toml", "Makefile"):
        shutil.copy2(PROJECT_ROOT / name, project / name)
    for folder in ("authorizer", "functions", "layers", "packages"):
        shutil.copytree(PROJECT_ROOT / folder, project / folder, ignore=ignore)
    out = project / ".aws-sam" / "build"  # where a plain `sam build` writes, beside its cache
    built = out / "CommonLayer" / "python" / "wacht_auth" / "verify.py"
    sam_build(project, out)
    assert file_digests(out / "CommonLayer") == file_digests(build_dir / "CommonLayer")  # reproducible
    assert file_digests(out / "AuthorizerFunction") == file_digests(build_dir / "AuthorizerFunction")
    source = project / "packages" / "wacht-auth" / "src" / "wacht_auth" / "verify.py"
    source.write_text(source.read_text() + "\nREBUILT_MARKER = 1\n")
    sam_build(project, out)
    assert built.read_text() == source.read_text()
    assert bytecode_problems(out / "CommonLayer") == []  # its .pyc is the new one too
