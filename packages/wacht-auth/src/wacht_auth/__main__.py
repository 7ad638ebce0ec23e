"""``python -m wacht_auth check-template template.yaml --routes myapp.routes:ROUTES``

Compares a route table with a SAM template (``wacht_auth.check_template``) and prints what to fix.
Exit status: 0 when they agree, 1 when something must change, 2 when the template or the route
table cannot be read (the message says why).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .routes import Route
from .template_check import TemplateError, check_template, load_template


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wacht_auth", description="Tools for apps using wacht-auth.")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser(
        "check-template",
        help="compare a route table with a SAM template's Api events",
        description="Compare a route table with a SAM template: paths, methods, authorizer or NONE, and the "
        "function each route names. Prints one line per thing to fix.",
    )
    check.add_argument("template", help="the SAM template (YAML needs PyYAML: pip install \"wacht-auth[check]\")")
    check.add_argument(
        "--routes",
        required=True,
        metavar="MODULE:NAME",
        help="the route table: a module (myapp.routes:ROUTES, imported from the current folder) or a file "
        "(src/routes.py:ROUTES, its folder on the import path as in Lambda)",
    )
    check.add_argument("--api", help="check only the events of this API (its logical id)")
    arguments = parser.parse_args(argv)

    try:
        routes = _load_routes(arguments.routes)
        template = load_template(arguments.template)
    except (TemplateError, _RoutesError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    problems = check_template(template, routes, api=arguments.api)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{arguments.template}: {len(problems)} to fix", file=sys.stderr)
        return 1
    print(f"{arguments.template} serves exactly the {len(routes)} routes of {arguments.routes}")
    return 0


class _RoutesError(Exception):
    """The --routes argument does not name a route table that can be imported."""


def _load_routes(spec: str) -> tuple[Route, ...]:
    module_name, _, attribute = spec.rpartition(":")
    if not module_name or not attribute:
        raise _RoutesError(f"--routes {spec}: expected MODULE:NAME, e.g. myapp.routes:ROUTES or src/routes.py:ROUTES")
    try:
        module = _import(module_name)
    except _RoutesError:
        raise
    except Exception as error:  # the adopter's module failed to import: say how, and stop
        raise _RoutesError(f"--routes {spec}: importing {module_name} failed: {type(error).__name__}: {error}") from None
    table: Any = getattr(module, attribute, None)
    if table is None:
        raise _RoutesError(f"--routes {spec}: {module_name} has no {attribute}")
    try:
        routes = tuple(table)
    except TypeError:
        raise _RoutesError(f"--routes {spec}: {attribute} is not a sequence of wacht_auth.Route") from None
    if not all(isinstance(route, Route) for route in routes):
        raise _RoutesError(f"--routes {spec}: {attribute} holds something other than wacht_auth.Route")
    return routes


def _import(name: str) -> Any:
    if name.endswith(".py") or "/" in name:
        path = Path(name).resolve()
        if not path.is_file():
            raise _RoutesError(f"--routes: no such file {name}")
        sys.path.insert(0, str(path.parent))  # its sibling imports resolve as in Lambda
        spec = importlib.util.spec_from_file_location(path.stem, path)
        if spec is None or spec.loader is None:
            raise _RoutesError(f"--routes: cannot import {name}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module
        spec.loader.exec_module(module)
        return module
    if "" not in sys.path and str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name and name.startswith(error.name):
            raise _RoutesError(f"--routes: no module {name} from {Path.cwd()} (run from your project's root, or give a file path)") from None
        raise


if __name__ == "__main__":
    sys.exit(main())
