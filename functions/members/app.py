"""/members: the active organization's member records. The organization comes only from the AuthContext."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths

from api_support import (
    DataTable,
    MemberRole,
    MemberStore,
    PageRequest,
    current_auth,
    current_budget,
    make_resolver,
    make_tracer,
)

logger = Logger()
tracer = make_tracer(patch_modules=("botocore",))  # DynamoDB only
app = make_resolver(logger)

TABLE = DataTable.from_environ()


def _store() -> MemberStore:
    return MemberStore(TABLE.within(current_budget(app)), current_auth(app))


@app.get("/members")
def list_members():
    return _store().list(PageRequest.from_query(app.current_event.query_string_parameters))


@app.put("/members/<memberId>")
def put_member(memberId: str):  # noqa: N803 - the template's path parameter name
    store = _store()
    return store.put(memberId, MemberRole.from_body(app.current_event.decoded_body)).to_json()


@app.delete("/members/<memberId>")
def delete_member(memberId: str):  # noqa: N803
    _store().delete(memberId)
    return Response(status_code=204, body="")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event, context):
    return app.resolve(event, context)
