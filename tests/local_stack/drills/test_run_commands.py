"""The load and chaos commands refuse what would make them unbounded or leave loopback, before doing anything."""

from __future__ import annotations

import pytest

from local_stack.drills import chaos, load


@pytest.mark.parametrize("argv", [
    ["--clients", "0"], ["--requests", "0"], ["--clients", "257"], ["--warmup", "-1"],
    ["--api", "http://127.0.0.1:3000"], ["--api", "http://example.com", "--idp", "http://127.0.0.1:3001"],
    ["--api", "http://127.0.0.1:3000", "--idp", "http://127.0.0.1:3001", "--oauth", "http://127.0.0.1:3004"],
    ["--oauth", "http://127.0.0.1:3004", "--gateway", "http://127.0.0.1:3005"],
    ["--api", "http://127.0.0.1:3000", "--idp", "http://127.0.0.1:3001", "--oauth", "http://127.0.0.1:3004",
     "--gateway", "http://10.0.0.5:3005"],
])
def test_load_refuses_bad_arguments(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        load.main(argv)
    assert exit_.value.code == 2 and "error:" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [
    ["--clients", "0"], ["--clients", "65"], ["--fault-seconds", "61"], ["--faults", "meteor"], ["--faults", ","],
    ["--api", "http://127.0.0.1:3000"],
    ["--api", "http://10.0.0.1:3000", "--idp", "http://127.0.0.1:3001", "--admin", "http://127.0.0.1:3003"],
])
def test_chaos_refuses_bad_arguments(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        chaos.main(argv)
    assert exit_.value.code == 2 and "error:" in capsys.readouterr().err


def test_chaos_takes_its_key_recovery_bound_from_the_authorizers_refetch_cooldown():
    import inspect

    from wacht_auth import JwksCache

    default = inspect.signature(JwksCache).parameters["cooldown_seconds"].default
    assert chaos.key_refetch_cooldown_seconds() == float(default) > 0


@pytest.mark.parametrize("module", ["local_stack.mint", "local_stack.drills.load", "local_stack.drills.chaos"])
def test_the_public_commands_still_run_as_modules(module):
    """``python -m local_stack.mint`` (the README's) and the commands `make load`/`make chaos` run."""
    import subprocess
    import sys

    answer = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True, text=True, timeout=60)
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.startswith(f"usage: python -m {module}")


def test_the_stack_a_run_starts_takes_a_free_port_for_every_server(monkeypatch):
    """So `make load` and `make chaos` start beside a `make dev` on the default ports; any setting of the
    shell's other than the ports reaches the stack unchanged."""
    import dataclasses

    from local_stack.config import StackConfig

    monkeypatch.setenv("ALLOWED_ORIGIN", "http://127.0.0.1:5999")
    config = StackConfig.from_environ(load.own_stack_environment())
    ports = {field.name: getattr(config, field.name) for field in dataclasses.fields(config) if field.name.endswith("_port")}
    assert len(ports) >= 7 and set(ports.values()) == {0}, ports
    assert config.allowed_origin == "http://127.0.0.1:5999"
    assert StackConfig.from_environ(load.own_stack_environment({"LOCAL_STACK_FAULTS": "1"})).fault_injection
