"""``python -m local_stack``: run the whole API in the foreground until Ctrl-C (or SIGTERM)."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading

from .config import StackConfig, StackConfigError
from .stack import LocalStack, banner, lambda_like_environ, ready_line


def main() -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="[%(name)s] %(levelname)s %(message)s")
    try:
        config = StackConfig.from_environ()
    except StackConfigError as error:
        print(f"local_stack: {error}", file=sys.stderr)
        return 2
    # Before any thread starts: functions begin from a Lambda-like environment, not your shell's.
    clean = lambda_like_environ(dict(os.environ))
    os.environ.clear()
    os.environ.update(clean)

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())

    stack = LocalStack(config)
    try:
        urls = stack.start()
    except OSError as error:
        print(f"local_stack: cannot start ({error}); is another stack running? Ports are set by PORT, "
              "WACHT_DEV_IDP_PORT, WACHT_BACKEND_API_PORT, LOCAL_STACK_ADMIN_PORT, LOCAL_DYNAMODB_PORT.", file=sys.stderr)
        return 1
    except Exception as error:  # e.g. DYNAMODB_ENDPOINT_URL unreachable
        print(f"local_stack: cannot start: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    missing = stack.missing_functions()
    print(banner(urls, config, stack.lambda_account), flush=True)
    if missing:
        print(f"warning: no code yet for {', '.join(missing)}: their routes answer 502", file=sys.stderr, flush=True)
    print(ready_line(urls), flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        print("local stack: stopping", file=sys.stderr, flush=True)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
