import os
import time

time.sleep(float(os.environ.get("SLEEP_AT_IMPORT", "0")))  # a slow init
if os.environ.get("FAIL_AT_IMPORT") == "yes":
    raise RuntimeError("configuration error at cold start")


def lambda_handler(event, context):
    time.sleep(event.get("sleep", 0))
    return {"ok": True}
