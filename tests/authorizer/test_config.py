"""Settings from the environment: every bad value is a ConfigurationError naming its variable."""

from __future__ import annotations

import pytest

from wacht_auth import ConfigurationError, Settings, origin_from_publishable_key


def test_deployment_url_is_the_issuer_and_locates_the_jwks():
    settings = Settings.from_environ({"WACHT_DEPLOYMENT_URL": "https://frontend.example.com/"})
    assert settings.issuer == "https://frontend.example.com"
    assert settings.jwks_url == "https://frontend.example.com/.well-known/jwks.json"
    assert settings.clock_skew_seconds == 5 and settings.inline_jwks is None


def test_publishable_key_is_decoded_to_the_origin():
    assert origin_from_publishable_key("pk_live_aHR0cHM6Ly9mcm9udGVuZC5leGFtcGxlLmNvbQ==") == "https://frontend.example.com"
    assert Settings.from_environ({"WACHT_PUBLISHABLE_KEY": "pk_test_aHR0cHM6Ly9mcm9udGVuZC5leGFtcGxlLmNvbQ"}).issuer == (
        "https://frontend.example.com"
    )


def test_deployment_url_wins_over_the_publishable_key():
    env = {"WACHT_DEPLOYMENT_URL": "https://a.example", "WACHT_PUBLISHABLE_KEY": "pk_live_aHR0cHM6Ly9iLmV4YW1wbGU="}
    assert Settings.from_environ(env).issuer == "https://a.example"


def test_jwks_url_overrides_where_keys_come_from_but_not_the_issuer():
    env = {"WACHT_DEPLOYMENT_URL": "https://a.example", "WACHT_JWKS_URL": "https://keys.example/jwks.json"}
    settings = Settings.from_environ(env)
    assert (settings.issuer, settings.jwks_url) == ("https://a.example", "https://keys.example/jwks.json")


@pytest.mark.parametrize("origin", ["http://127.0.0.1:3001", "http://localhost:3001", "http://[::1]:3001"])
def test_plain_http_is_allowed_for_loopback_only(origin):
    assert Settings.from_environ({"WACHT_DEPLOYMENT_URL": origin}).issuer == origin


def test_inline_jwks_and_skew_are_read():
    env = {"WACHT_DEPLOYMENT_URL": "https://a.example", "WACHT_JWKS": '{"keys":[{"kty":"EC"}]}', "WACHT_CLOCK_SKEW_SECONDS": "0"}
    settings = Settings.from_environ(env)
    assert settings.inline_jwks == {"keys": [{"kty": "EC"}]} and settings.clock_skew_seconds == 0


@pytest.mark.parametrize(
    ("env", "variable", "fragment"),
    [
        ({}, "WACHT_DEPLOYMENT_URL", "not set"),
        ({"WACHT_DEPLOYMENT_URL": "http://frontend.example.com"}, "WACHT_DEPLOYMENT_URL", "https"),
        ({"WACHT_DEPLOYMENT_URL": "frontend.example.com"}, "WACHT_DEPLOYMENT_URL", "https"),
        ({"WACHT_DEPLOYMENT_URL": "https://frontend.example.com/api"}, "WACHT_DEPLOYMENT_URL", "without a path"),
        ({"WACHT_DEPLOYMENT_URL": "https://frontend.example.com?x=1"}, "WACHT_DEPLOYMENT_URL", "without a path"),
        ({"WACHT_DEPLOYMENT_URL": "https://user:pw@frontend.example.com"}, "WACHT_DEPLOYMENT_URL", "credentials"),
        ({"WACHT_DEPLOYMENT_URL": "https://frontend.example.com:99999"}, "WACHT_DEPLOYMENT_URL", "valid URL"),
        ({"WACHT_PUBLISHABLE_KEY": "sk_live_abc"}, "WACHT_PUBLISHABLE_KEY", "pk_test_ or pk_live_"),
        ({"WACHT_PUBLISHABLE_KEY": "pk_live_!!!"}, "WACHT_PUBLISHABLE_KEY", "base64"),
        ({"WACHT_PUBLISHABLE_KEY": "pk_live_bm90IGEgdXJs"}, "WACHT_PUBLISHABLE_KEY", "https"),
        ({"WACHT_DEPLOYMENT_URL": "https://a.example", "WACHT_JWKS_URL": "http://keys.example/jwks"}, "WACHT_JWKS_URL", "https"),
        ({"WACHT_DEPLOYMENT_URL": "https://a.example", "WACHT_JWKS": "[1, 2]"}, "WACHT_JWKS", "keys"),
        ({"WACHT_DEPLOYMENT_URL": "https://a.example", "WACHT_JWKS": '{"keys": []}'}, "WACHT_JWKS", "keys"),
        ({"WACHT_DEPLOYMENT_URL": "https://a.example", "WACHT_JWKS": "{"}, "WACHT_JWKS", "JSON"),
        ({"WACHT_DEPLOYMENT_URL": "https://a.example", "WACHT_CLOCK_SKEW_SECONDS": "five"}, "WACHT_CLOCK_SKEW_SECONDS", "integer"),
        ({"WACHT_DEPLOYMENT_URL": "https://a.example", "WACHT_CLOCK_SKEW_SECONDS": "-1"}, "WACHT_CLOCK_SKEW_SECONDS", "between"),
        ({"WACHT_DEPLOYMENT_URL": "https://a.example", "WACHT_CLOCK_SKEW_SECONDS": "3600"}, "WACHT_CLOCK_SKEW_SECONDS", "between"),
    ],
)
def test_bad_values_name_their_variable(env, variable, fragment):
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_environ(env)
    assert caught.value.variable == variable
    assert str(caught.value).startswith(f"{variable}: ") and fragment in str(caught.value)


def test_settings_are_frozen():
    settings = Settings.from_environ({"WACHT_DEPLOYMENT_URL": "https://a.example"})
    with pytest.raises(AttributeError):
        settings.issuer = "https://evil.example"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("configured", "issuer"),
    [
        ("https://Frontend.Example.com", "https://frontend.example.com"),
        ("https://frontend.example.com:443/", "https://frontend.example.com"),
        ("HTTPS://frontend.example.com:8443", "https://frontend.example.com:8443"),
        ("http://[::1]:3001", "http://[::1]:3001"),
    ],
)
def test_the_issuer_is_written_canonically_as_wacht_writes_iss(configured, issuer):
    """Otherwise a harmless spelling (case, default port) would refuse every token: a silent mass sign-out."""
    assert Settings.from_environ({"WACHT_DEPLOYMENT_URL": configured}).issuer == issuer


def test_a_publishable_key_encoding_a_path_yields_its_origin():
    import base64

    key = "pk_live_" + base64.b64encode(b"https://frontend.example.com/some/path").decode()
    assert origin_from_publishable_key(key) == "https://frontend.example.com"


BASE = {"WACHT_DEPLOYMENT_URL": "https://frontend.example.com"}


def test_without_the_new_settings_nothing_else_is_accepted():
    settings = Settings.from_environ(BASE)
    assert (settings.oauth, settings.gateway_url, settings.api_key_prefix) == (None, None, None)


def test_oauth_gateway_and_key_prefix_settings_are_read():
    settings = Settings.from_environ({
        **BASE,
        "WACHT_OAUTH_ISSUER": "https://Auth.Example.com/",
        "WACHT_OAUTH_AUDIENCE": "https://api.example.com",
        "WACHT_GATEWAY_URL": "https://gateway.wacht.dev/",
        "WACHT_API_KEY_PREFIX": "acme_live_",
    })
    assert settings.oauth.issuer == "https://auth.example.com"
    assert settings.oauth.audience == "https://api.example.com"
    assert settings.oauth.jwks_url == "https://auth.example.com/.well-known/jwks.json"
    assert (settings.gateway_url, settings.api_key_prefix) == ("https://gateway.wacht.dev", "acme_live_")


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"WACHT_OAUTH_ISSUER": "https://auth.example.com"}, "WACHT_OAUTH_AUDIENCE"),
        ({"WACHT_OAUTH_AUDIENCE": "https://api.example.com"}, "WACHT_OAUTH_ISSUER"),
        ({"WACHT_OAUTH_ISSUER": "http://auth.example.com", "WACHT_OAUTH_AUDIENCE": "a"}, "WACHT_OAUTH_ISSUER"),
        ({"WACHT_OAUTH_ISSUER": "https://frontend.example.com", "WACHT_OAUTH_AUDIENCE": "a"}, "WACHT_OAUTH_ISSUER"),
        ({"WACHT_OAUTH_ISSUER": "https://a.example", "WACHT_OAUTH_AUDIENCE": "a", "WACHT_OAUTH_JWKS": "{}"}, "WACHT_OAUTH_JWKS"),
        ({"WACHT_GATEWAY_URL": "http://gateway.example.com"}, "WACHT_GATEWAY_URL"),
        ({"WACHT_API_KEY_PREFIX": "acme_live_"}, "WACHT_API_KEY_PREFIX"),
        ({"WACHT_API_KEY_PREFIX": "a b", "WACHT_GATEWAY_URL": "https://g.example"}, "WACHT_API_KEY_PREFIX"),
        # Every JWT starts eyJ: such a prefix would send every session token to the gateway as an API key.
        ({"WACHT_API_KEY_PREFIX": "ey", "WACHT_GATEWAY_URL": "https://g.example"}, "WACHT_API_KEY_PREFIX"),
        ({"WACHT_API_KEY_PREFIX": "eyJ", "WACHT_GATEWAY_URL": "https://g.example"}, "WACHT_API_KEY_PREFIX"),
        ({"WACHT_API_KEY_PREFIX": "eyJhbGci", "WACHT_GATEWAY_URL": "https://g.example"}, "WACHT_API_KEY_PREFIX"),
    ],
)
def test_a_bad_new_setting_names_its_variable(env, variable):
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_environ({**BASE, **env})
    assert caught.value.variable == variable
