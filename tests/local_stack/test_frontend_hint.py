"""local_stack.frontend_hint: the banner names the frontend URL that CORS (ALLOWED_ORIGIN) allows."""

from __future__ import annotations

from local_stack.config import StackConfig
from local_stack.frontend_hint import frontend_hint
from local_stack.stack import StackUrls, banner

API, IDP = "http://127.0.0.1:3000", "http://127.0.0.1:3001"


def test_the_default_origin_and_ports_point_at_make_frontend():
    assert frontend_hint("http://localhost:5173", API, IDP) == (
        "The example React app: `make frontend` in another terminal, then open http://localhost:5173")


def test_another_loopback_origin_gets_the_vite_command_for_that_host_and_port():
    hint = frontend_hint("http://127.0.0.1:5174", API, IDP)
    assert "npx vite --host 127.0.0.1 --port 5174 --strictPort" in hint
    assert hint.endswith("then open http://127.0.0.1:5174")
    assert "make frontend" not in hint and "localhost:5173" not in hint


def test_other_stack_ports_are_passed_to_the_app_even_on_the_default_origin():
    hint = frontend_hint("http://localhost:5173", "http://127.0.0.1:4000", "http://127.0.0.1:4001")
    assert "VITE_API_URL=http://127.0.0.1:4000 VITE_DEV_IDP_URL=http://127.0.0.1:4001 npx vite --host localhost --port 5173" in hint


def test_an_origin_without_a_port_means_port_80_and_a_trailing_slash_is_ignored():
    hint = frontend_hint("http://localhost/", API, IDP)
    assert "--host localhost --port 80 " in hint and hint.endswith("then open http://localhost")


def test_an_ipv6_loopback_origin_binds_the_bare_address():
    assert "--host ::1 --port 5173" in frontend_hint("http://[::1]:5173", API, IDP)


def test_an_origin_the_dev_server_cannot_serve_is_named_without_a_vite_command():
    for origin in ("https://app.example.com", "https://localhost:5173", "http://192.168.1.5:5173"):
        hint = frontend_hint(origin, API, IDP)
        assert f"CORS allows only {origin} (ALLOWED_ORIGIN)" in hint and "npx vite" not in hint, origin


def test_the_banner_prints_the_frontend_url_matching_the_configured_allowed_origin():
    urls = StackUrls(API, IDP, "http://127.0.0.1:3002", "http://127.0.0.1:8000", "http://127.0.0.1:3003",
                     "http://127.0.0.1:3004", "http://127.0.0.1:3005")
    text = banner(urls, StackConfig.from_environ({"ALLOWED_ORIGIN": "http://127.0.0.1:5180"}))
    assert "then open http://127.0.0.1:5180" in text and "--port 5180" in text
    assert "localhost:5173" not in text
    assert "then open http://localhost:5173" in banner(urls, StackConfig.from_environ({}))
