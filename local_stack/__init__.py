"""Run the whole API on 127.0.0.1 without Docker or AWS, from the same template.yaml `sam deploy` uses.

    python -m local_stack          everything, in the foreground (``make dev``); Ctrl-C stops it
    python -m local_stack.mint     print a dev session token (``--persona alice``)
    python -m local_stack.drills.load     a bounded load run on loopback
    python -m local_stack.drills.chaos    faults injected in turn under load, then checked

Modules, bottom up: sam_template (the template as data), config, personas, signing + dev_idp
(the issuer), backend_api (Wacht Backend API stand-in), dynamodb (moto or your endpoint),
lambda_worker + lambda_environment + lambda_runtime (a pool of execution environments per
function, each a process), events, routing, iam, authorizer_cache, gateway_responses, gateway
(API Gateway's request path), fault_proxy + faults (fault injection), admin (stats and switches
for tests), stack; load, write_ledger and chaos drive a running stack from outside.
"""
