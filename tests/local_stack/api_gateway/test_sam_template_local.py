"""What local_stack.api_gateway.sam_template adds for the local stack: layers, timeouts, stage, function ids."""

from __future__ import annotations

from local_stack.api_gateway import sam_template
from tests.local_stack.conftest import template_parameters


def test_function_specs_carry_layers_timeout_and_memory_from_the_template():
    source = sam_template.load_source()
    parameters = template_parameters()
    translated = sam_template.translate(parameters)
    spec = sam_template.function_spec(source, translated, "AuthorizerFunction", parameters, {"DataTable": "t"})
    # The layer folder, then the import root of the local package its requirements.txt names.
    assert spec.layer_dirs == (sam_template.PROJECT_ROOT / "layers/common", sam_template.PROJECT_ROOT / "packages/wacht-auth/src")
    assert (spec.timeout_seconds, spec.memory_mb) == (5, 1024)
    documents = sam_template.function_spec(source, translated, "DocumentsFunction", parameters, {"DataTable": "t"})
    assert (documents.timeout_seconds, documents.memory_mb) == (10, 512)
    assert documents.environment["TABLE_NAME"] == "t"
    assert documents.environment["WACHT_DEPLOYMENT_URL"] == parameters["WachtDeploymentUrl"]


def test_every_function_and_the_stage_are_found():
    source = sam_template.load_source()
    assert set(sam_template.function_ids(source)) == {
        "AuthorizerFunction", "HealthFunction", "HelloFunction", "MeFunction", "DocumentsFunction", "MembersFunction"}
    parameters = template_parameters(StageName="v1")
    assert sam_template.stage_name(sam_template.translate(parameters), parameters) == "v1"
