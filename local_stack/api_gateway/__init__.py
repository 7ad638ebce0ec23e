"""What API Gateway does for a REST API stage, read from the translated template.

sam_template (template.yaml as data: routes, authorizers, functions, tables), routing (resources
and which one serves a path), events (the proxy and REQUEST authorizer events), iam (policy
evaluation against a method ARN), authorizer_cache (results per identity source, TTL),
responses (gateway-made answers and their headers), gateway (the request path, in API Gateway's order).
"""
