"""Run the whole API on 127.0.0.1 without Docker or AWS, from the same template.yaml `sam deploy` uses.

    python -m local_stack                  everything, in the foreground (``make dev``); Ctrl-C stops it
    python -m local_stack.mint             print a dev session token (``--persona alice``)
    python -m local_stack.drills.load      a bounded load run on loopback (``make load``)
    python -m local_stack.drills.chaos     faults injected in turn under load, then checked (``make chaos``)

One subpackage per thing it stands in for, each told in its own docstring:
    api_gateway/     the REST API stage: template reader, routing, events, IAM evaluation,
                     authorizer cache, gateway responses, the request path
    lambda_runtime/  execution environments (a process each), their pool per function, and the
                     account's concurrency and this machine's room they share
    wacht/           the dev identity provider (signing, personas, mint) and the Backend API stand-in
    dynamodb/        moto's DynamoDB in a process of its own, or your endpoint, with the template's tables
    drills/          load, chaos, the write ledger, faults and the fault proxy: runs that drive a stack from outside
At the top: stack (starts and wires them, prints the banner), config (the settings, read once),
admin (stats and switches on their own port), http_service (the loopback HTTP server they all use),
frontend_hint (the banner's line for the React app), mint (the README's command).
"""
