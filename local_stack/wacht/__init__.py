"""Stand-ins for Wacht: the issuer of session tokens, its OAuth app, the gateway and the Backend API.

personas (the dev users and their grants), signing (the ES256 key ring), dev_idp (the token
issuer and its JWKS, on loopback), oauth_app (the OAuth issuer on its own origin: RS256 JWT and
opaque access tokens), gateway (Wacht's gateway check: API keys, and the opaque tokens' judge),
mint (a token from the command line), backend_api (the Backend API's user details, behind the
backend secret), request_body (the request-body checks the issuers and the gateway share).
"""
