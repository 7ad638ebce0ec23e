import os
import time

import helper
import layer_state

IMPORTED_WITH = os.environ.get("GREETING")
layer_state.owners.append(helper.NAME)
CALLS = []  # module state: one list per execution environment


def lambda_handler(event, context):
    CALLS.append(context.aws_request_id)
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("exit") is not None:
        os._exit(event["exit"])  # the process dies mid-invocation: a crash
    if event.get("signal"):
        os.kill(os.getpid(), event["signal"])  # killed mid-invocation (as by the OOM killer)
    if event.get("raise"):
        raise RuntimeError("asked to fail")
    if event.get("unserializable"):
        return {"value": object()}
    import late_import  # a lazy import at call time resolves to this function's copy too

    return {
        "helper": helper.NAME,
        "imported_with": IMPORTED_WITH,
        "called_with": os.environ.get("GREETING"),
        "layer_owners": list(layer_state.owners),
        "late": late_import.WHO,
        "function_name": context.function_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "request_id": context.aws_request_id,
        "pid": os.getpid(),
        "calls": len(CALLS),
    }
