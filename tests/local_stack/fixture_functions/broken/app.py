import os

if os.environ.get("FAIL_AT_IMPORT") == "yes":
    raise RuntimeError("configuration error at cold start")


def lambda_handler(event, context):
    return {"ok": True}
