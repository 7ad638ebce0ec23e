"""local_stack.config: the stack's settings from the environment, bad values named."""

from __future__ import annotations

import pytest

from local_stack.config import DEFAULT_BACKEND_SECRET, StackConfig, StackConfigError


def test_defaults_match_the_documented_ports_and_the_frontend_origin():
    config = StackConfig.from_environ({})
    assert (config.api_port, config.idp_port, config.backend_api_port, config.admin_port, config.dynamodb_port) == (3000, 3001, 3002, 3003, 8000)
    assert config.allowed_origin == "http://localhost:5173"
    assert config.dynamodb_endpoint_url is None and config.authorizer_ttl_seconds is None
    assert config.backend_secret == DEFAULT_BACKEND_SECRET


def test_every_setting_is_read():
    config = StackConfig.from_environ({
        "PORT": "0", "WACHT_DEV_IDP_PORT": "4001", "WACHT_BACKEND_API_PORT": "4002", "LOCAL_STACK_ADMIN_PORT": "4003",
        "LOCAL_DYNAMODB_PORT": "4004", "DYNAMODB_ENDPOINT_URL": "http://127.0.0.1:8000", "ALLOWED_ORIGIN": "http://127.0.0.1:5173",
        "WACHT_BACKEND_SECRET": "sk_x", "AUTHORIZER_CACHE_TTL_SECONDS": "0", "AWS_REGION": "eu-west-1",
        "WACHT_DEV_OAUTH_PORT": "4005", "WACHT_GATEWAY_PORT": "4006",
    })
    assert (config.oauth_port, config.gateway_port) == (4005, 4006)
    assert (config.api_port, config.idp_port, config.backend_api_port, config.admin_port, config.dynamodb_port) == (0, 4001, 4002, 4003, 4004)
    assert config.dynamodb_endpoint_url == "http://127.0.0.1:8000"
    assert (config.allowed_origin, config.backend_secret, config.authorizer_ttl_seconds, config.region) == (
        "http://127.0.0.1:5173", "sk_x", 0, "eu-west-1")


@pytest.mark.parametrize(("name", "value"), [
    ("PORT", "http"), ("PORT", "70000"), ("WACHT_DEV_IDP_PORT", "-1"), ("AUTHORIZER_CACHE_TTL_SECONDS", "3601"),
    ("AUTHORIZER_CACHE_TTL_SECONDS", "5m"), ("DYNAMODB_ENDPOINT_URL", "localhost:8000"),
])
def test_a_bad_value_is_an_error_naming_the_variable(name, value):
    with pytest.raises(StackConfigError, match=name):
        StackConfig.from_environ({name: value})
