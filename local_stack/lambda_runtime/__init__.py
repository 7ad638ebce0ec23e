"""What Lambda does for the stack's functions: execution environments and how they scale.

worker (the inside of one environment: a process importing a handler once), environment (the
process as the stack sees it: init, invoke, timeout, crash), account (the account's concurrency
quota, this machine's bound on environments, the cold-start gate), pool (a function's
environments: warm reuse, cold starts, throttling).
"""
