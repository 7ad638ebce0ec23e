"""Run the whole API on 127.0.0.1 without Docker or AWS, from the same template.yaml `sam deploy` uses.

    python -m local_stack          everything, in the foreground (``make dev``); Ctrl-C stops it
    python -m local_stack.mint     print a dev session token (``--persona alice``)
    python -m local_stack.load     a bounded load run on loopback

Modules, bottom up: sam_template (the template as data), config, personas, signing + dev_idp
(the issuer), backend_api (Wacht Backend API stand-in), dynamodb (moto or your endpoint),
lambda_runtime (handlers in-process, isolated), events, routing, iam, authorizer_cache,
gateway_responses, gateway (API Gateway's request path), admin (stats for tests), stack.
"""
