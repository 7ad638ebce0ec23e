"""The Wacht backend secret: Secrets Manager or SSM through Powertools Parameters (moto's server
standing in for AWS over HTTP), cached; the local WACHT_BACKEND_SECRET wins."""

from __future__ import annotations

import boto3
import pytest

from api_support import BackendSecret, SecretUnavailable, UserDirectory
from api_support.backend_secret import REFETCH_AFTER_REFUSAL_SECONDS
from api_support.budget import Budget
from tests.functions.servers import WachtApiServer, wacht_user
from wacht_auth.wacht_api import WachtApi, WachtApiUnavailable
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


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_secret_rotated_in_the_store_is_fetched_again_when_wacht_refuses_the_cached_one(aws_endpoint):
    name = f"wacht/backend-secret-{new_id()}"
    store = boto3.client("secretsmanager", endpoint_url=aws_endpoint)
    store.create_secret(Name=name, SecretString="sk_test_before_rotation")
    clock = _Clock()
    secret = BackendSecret(store="secretsmanager", name=name, clock=clock)
    with WachtApiServer("sk_test_after_rotation", {KNOWN_USER_ID: wacht_user(KNOWN_USER_ID)}) as wacht:
        users = UserDirectory(WachtApi(base_url=wacht.url), secret)
        assert secret(Budget.seconds(5)) == "sk_test_before_rotation"  # cached for 300 s
        store.put_secret_value(SecretId=name, SecretString="sk_test_after_rotation")
        clock.now += REFETCH_AFTER_REFUSAL_SECONDS - 1
        with pytest.raises(WachtApiUnavailable):  # too soon after the fetch: no refetch storm
            users.public_user(KNOWN_USER_ID, Budget.seconds(5))
        clock.now += 2
        assert users.public_user(KNOWN_USER_ID, Budget.seconds(5))["id"] == KNOWN_USER_ID
        assert secret(Budget.seconds(5)) == "sk_test_after_rotation"


def test_a_refused_secret_that_the_store_still_holds_is_not_retried(aws_endpoint):
    name = f"wacht/backend-secret-{new_id()}"
    boto3.client("secretsmanager", endpoint_url=aws_endpoint).create_secret(Name=name, SecretString="sk_test_wrong_everywhere")
    clock = _Clock()
    secret = BackendSecret(store="secretsmanager", name=name, clock=clock)
    with WachtApiServer("sk_test_right", {KNOWN_USER_ID: wacht_user(KNOWN_USER_ID)}) as wacht:
        users = UserDirectory(WachtApi(base_url=wacht.url), secret)
        secret(Budget.seconds(5))
        clock.now += REFETCH_AFTER_REFUSAL_SECONDS + 1
        with pytest.raises(WachtApiUnavailable) as refused:
            users.public_user(KNOWN_USER_ID, Budget.seconds(5))
        assert refused.value.status == 401
        assert sum(1 for request in wacht.requests if "/users/" in request["path"]) == 1  # the same secret is not sent twice
