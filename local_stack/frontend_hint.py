"""The banner's line about the example React app: where to open it, given ``ALLOWED_ORIGIN``.

CORS lets exactly one browser origin call the stack, so the app must be served on that origin
(``localhost`` and ``127.0.0.1`` are different origins). ``make frontend`` serves the default one
against the default ports; for anything else the line spells out the Vite command that serves
the app on the configured origin against this stack's actual URLs.
"""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["DEFAULT_API_URL", "DEFAULT_FRONTEND_ORIGIN", "DEFAULT_IDP_URL", "frontend_hint"]

DEFAULT_FRONTEND_ORIGIN = "http://localhost:5173"
"""What ``make frontend`` serves (frontend/package.json's ``dev`` script)."""
DEFAULT_API_URL = "http://127.0.0.1:3000"
DEFAULT_IDP_URL = "http://127.0.0.1:3001"
"""The frontend's built-in ``VITE_API_URL`` and ``VITE_DEV_IDP_URL`` (frontend/src/config.ts)."""

_LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")


def frontend_hint(allowed_origin: str, api_url: str, idp_url: str) -> str:
    """One or two banner lines telling how to serve and open the app on ``allowed_origin``."""
    origin = allowed_origin.rstrip("/")
    if (origin, api_url, idp_url) == (DEFAULT_FRONTEND_ORIGIN, DEFAULT_API_URL, DEFAULT_IDP_URL):
        return f"The example React app: `make frontend` in another terminal, then open {origin}"
    parts = urlsplit(origin)
    host = f"[{parts.hostname}]" if parts.hostname and ":" in parts.hostname else parts.hostname
    if parts.scheme != "http" or host not in _LOCAL_HOSTS:
        return (f"The example React app: CORS allows only {origin} (ALLOWED_ORIGIN); serve a build of frontend/ there "
                f"with VITE_API_URL={api_url}")
    port = parts.port or 80
    bind = host.strip("[]")
    return ("The example React app, on the origin CORS allows (ALLOWED_ORIGIN), in another terminal:\n"
            f"  cd frontend && VITE_API_URL={api_url} VITE_DEV_IDP_URL={idp_url} "
            f"npx vite --host {bind} --port {port} --strictPort\n"
            f"  then open {origin}")
