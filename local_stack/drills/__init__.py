"""Runs that drive a started stack from outside and judge what it answered.

callers (sessions, API keys, OAuth clients: what each may get on each route), load (concurrent
clients of several tenants and kinds, a one-client floor and a burst of new tokens),
write_ledger (every acknowledged write, read back per tenant), fault_proxy (a TCP proxy in front
of DynamoDB that refuses or delays), faults (the switches the admin port exposes), chaos (faults
injected in turn under load).
"""
