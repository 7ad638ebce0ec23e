"""The Wacht backend secret: Secrets Manager or SSM through Powertools Parameters (moto's server
standing in for AWS over HTTP), cached; the local WACHT_BACKEND_SECRET wins."""

from __future__ import annotations

import boto3
import pytest

from api_support import BackendSecret, SecretUnavailable
from tests.functions.conftest import KNOWN_USER_ID, new_id, session_of
from tests.functions.events import proxy_event
from tests.functions.harness import load_function
from wacht_auth import ConfigurationError


@pytest.fixture
def aws_endpoint(moto_url, monkeypatch):
    """Point every boto3 client built during the test (Powertools' providers too) at moto."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    return moto_url


def test_secret_is_read_from_secrets_manager_by_name_and_cached(aws_endpoint):
    name = f"wacht/backend-secret-{new_id()}"
    client = boto3.client("secretsmanager", endpoint_url=aws_endpoint)
    client.create_secret(Name=name, SecretString="sk_test_from_secrets_manager")
    secret = BackendSecret.from_environ({"WACHT_BACKEND_SECRET_STORE": "secretsmanager", "WACHT_BACKEND_SECRET_NAME": name})
    assert secret() == "sk_test_from_secrets_manager"
    client.put_secret_value(SecretId=name, SecretString="sk_test_rotated")
    assert secret() == "sk_test_from_secrets_manager"  # cached for max_age_seconds, not fetched per request


def test_cache_expires_so_a_rotated_secret_is_picked_up(aws_endpoint):
    name = f"wacht/backend-secret-{new_id()}"
    client = boto3.client("secretsmanager", endpoint_url=aws_endpoint)
    client.create_secret(Name=name, SecretString="sk_test_old")
    secret = BackendSecret(store="secretsmanager", name=name, max_age_seconds=0)
    assert secret() == "sk_test_old"
    client.put_secret_value(SecretId=name, SecretString="sk_test_new")
    assert secret() == "sk_test_new"


def test_secret_is_read_from_an_ssm_secure_string_named_without_its_leading_slash(aws_endpoint):
    # The stack parameter has no leading slash (the IAM ARN is built from it); SSM needs one.
    name = f"wacht/backend-secret-{new_id()}"
    boto3.client("ssm", endpoint_url=aws_endpoint).put_parameter(Name=f"/{name}", Value="sk_test_from_ssm", Type="SecureString")
    secret = BackendSecret.from_environ({"WACHT_BACKEND_SECRET_STORE": "ssm", "WACHT_BACKEND_SECRET_NAME": name})
    assert secret() == "sk_test_from_ssm"


def test_a_top_level_ssm_parameter_is_read_by_its_plain_name(aws_endpoint):
    name = f"wacht-backend-secret-{new_id()}"
    boto3.client("ssm", endpoint_url=aws_endpoint).put_parameter(Name=name, Value="sk_test_top_level", Type="SecureString")
    assert BackendSecret(store="ssm", name=name)() == "sk_test_top_level"


def test_local_secret_in_the_environment_wins_over_the_store():
    secret = BackendSecret.from_environ({"WACHT_BACKEND_SECRET": "sk_test_local", "WACHT_BACKEND_SECRET_NAME": "unused"})
    assert secret() == "sk_test_local"


@pytest.mark.parametrize("store", ["secretsmanager", "ssm"])
def test_missing_secret_is_secret_unavailable_naming_the_store_not_the_value(aws_endpoint, store):
    secret = BackendSecret(store=store, name=f"absent-{new_id()}")
    with pytest.raises(SecretUnavailable) as raised:
        secret()
    assert store in str(raised.value)


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"WACHT_BACKEND_SECRET_STORE": "vault", "WACHT_BACKEND_SECRET_NAME": "x"}, "WACHT_BACKEND_SECRET_STORE"),
        ({"WACHT_BACKEND_SECRET_STORE": "ssm"}, "WACHT_BACKEND_SECRET_NAME"),
        ({}, "WACHT_BACKEND_SECRET_NAME"),
    ],
)
def test_bad_secret_configuration_fails_at_cold_start_naming_the_variable(environ, variable):
    with pytest.raises(ConfigurationError) as raised:
        BackendSecret.from_environ(environ)
    assert raised.value.variable == variable


def test_whoami_with_the_secret_in_secrets_manager_as_deployed(aws_endpoint, parameters, table_name, wacht_api, monkeypatch):
    # As in AWS: no WACHT_BACKEND_SECRET, only the secret's name from the template's default.
    boto3.client("secretsmanager", endpoint_url=aws_endpoint).create_secret(Name="wacht/backend-secret", SecretString=wacht_api.secret)
    try:
        me = load_function("MeFunction", parameters, {"DataTable": table_name})
        answer = me.invoke(proxy_event("GET", "/whoami", auth=session_of(user_id=KNOWN_USER_ID)))
    finally:
        boto3.client("secretsmanager", endpoint_url=aws_endpoint).delete_secret(SecretId="wacht/backend-secret", ForceDeleteWithoutRecovery=True)
    assert me.environment["WACHT_BACKEND_SECRET_NAME"] == "wacht/backend-secret"
    assert "WACHT_BACKEND_SECRET" not in me.environment
    assert answer.status == 200
    assert answer.body["id"] == KNOWN_USER_ID


def test_whoami_when_the_secret_cannot_be_read_is_a_bare_500(aws_endpoint, parameters, table_name, wacht_api):
    me = load_function("MeFunction", {**parameters, "WachtBackendSecretName": f"absent-{new_id()}"}, {"DataTable": table_name})
    answer = me.invoke(proxy_event("GET", "/whoami", auth=session_of(user_id=KNOWN_USER_ID)))
    assert answer.status == 500
    assert answer.body == {"message": "internal error"}
