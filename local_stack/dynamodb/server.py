"""``python -m local_stack.dynamodb.server <port>``: moto's DynamoDB on 127.0.0.1 until stdin closes.

Run by local_stack.dynamodb.embedded as a process of its own, so DynamoDB gets a CPU of its own as the
real service has, instead of sharing the gateway's interpreter lock. It prints one line,
``{"port": <port>}``, once it listens; a port it cannot bind ends it with an error. The end of
its stdin (the stack stopped, or died) stops it: no orphan survives the stack.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading


def main(argv: list[str]) -> int:
    from moto.server import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per DynamoDB call
    port = int(argv[1]) if len(argv) > 1 else 0
    try:
        server = make_server("127.0.0.1", port, DomainDispatcherApplication(create_backend_app), threaded=True,
                             request_handler=MotoRequestHandler)
    except OSError as error:
        print(f"dynamodb: cannot listen on 127.0.0.1:{port}: {error}", file=sys.stderr, flush=True)
        return 1
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="moto", daemon=True).start()
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    os.dup2(2, 1)  # nobody reads the pipe after the ready line: anything else goes to the log
    sys.stdin.read()  # until the stack closes it
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
