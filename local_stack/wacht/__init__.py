"""Stand-ins for Wacht: the issuer of session tokens and the Backend API.

personas (the dev users and their grants), signing (the ES256 key ring), dev_idp (the token
issuer and its JWKS, on loopback), mint (a token from the command line), backend_api (the Backend
API's user details, behind the backend secret).
"""
