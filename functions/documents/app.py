"""/documents: the active workspace's documents. The workspace comes only from the AuthContext."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths

from api_support import (
    DataTable,
    DocumentDraft,
    DocumentStore,
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


def _store() -> DocumentStore:
    return DocumentStore(TABLE.within(current_budget(app)), current_auth(app))


@app.get("/documents")
def list_documents():
    return _store().list(PageRequest.from_query(app.current_event.query_string_parameters))


@app.post("/documents")
def create_document():
    store = _store()
    return store.create(DocumentDraft.from_body(app.current_event.decoded_body)).to_json(), 201


@app.get("/documents/<documentId>")
def get_document(documentId: str):  # noqa: N803 - the template's path parameter name
    return _store().get(documentId).to_json()


@app.delete("/documents/<documentId>")
def delete_document(documentId: str):  # noqa: N803
    _store().delete(documentId)
    return Response(status_code=204, body="")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event, context):
    return app.resolve(event, context)
