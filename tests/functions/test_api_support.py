"""api_support's guards that the handlers alone do not reach: configuration at cold start, the
accessor on a public route, and an unexpected failure answered without leaking anything."""

from __future__ import annotations

import json

import pytest
from aws_lambda_powertools import Logger

from api_support import DataTable, current_auth, make_resolver
from tests.functions.conftest import new_id, session_of
from tests.functions.events import ALLOWED_ORIGIN, proxy_event
from tests.functions.harness import LambdaContext, load_function
from wacht_auth import ConfigurationError


def test_a_function_without_allowed_origin_fails_at_cold_start_naming_it():
    with pytest.raises(ConfigurationError) as raised:
        make_resolver(Logger(service="test"), {})
    assert raised.value.variable == "ALLOWED_ORIGIN"


def test_a_data_function_without_table_name_fails_at_cold_start_naming_it():
    with pytest.raises(ConfigurationError) as raised:
        DataTable.from_environ({})
    assert raised.value.variable == "TABLE_NAME"


def test_asking_for_the_caller_on_a_public_route_refuses_with_401():
    app = make_resolver(Logger(service="test"), {"ALLOWED_ORIGIN": ALLOWED_ORIGIN})

    @app.get("/health")
    def health():  # a handler that wrongly assumes a session on a public route
        return {"user": current_auth(app).user_id}

    response = app.resolve(proxy_event("GET", "/health"), LambdaContext())
    assert response["statusCode"] == 401
    assert json.loads(response["body"]) == {"message": "unauthenticated"}


def test_an_unexpected_aws_error_is_a_bare_500_that_leaks_nothing(parameters, local_environment):
    # A stack whose table does not exist: DynamoDB answers ResourceNotFoundException.
    documents = load_function("DocumentsFunction", parameters, {"DataTable": "no-such-table"}, local_environment)
    auth = session_of(organization=new_id(), workspace=new_id())
    answer = documents.invoke(proxy_event("GET", "/documents", auth=auth))
    assert answer.status == 500
    assert answer.body == {"message": "internal error"}
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
