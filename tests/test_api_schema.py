"""schemathesis against /api/v1/openapi.json with a valid token: generated requests for every
operation never give a 5xx, and every response matches the documented schema."""

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from arena.accounts.services import issue_api_token

# No 5xx, and status, content type, headers and body as documented. (Not "every schema-valid
# request is accepted": the schema cannot say that an organisation must exist or that a meeting
# must end after it starts; those give documented 404 and 422 answers.)
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


def test_every_operation_matches_its_schema(app, world):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {
        "Authorization": f"Bearer {issue_api_token(world['owner'], 'schemathesis')}",
        # schemathesis' WSGI calls read bodies as sent; compression has tests of its own.
        "Accept-Encoding": "identity",
    }
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20, "the OpenAPI document lost operations"
    for operation in operations:

        @settings(
            max_examples=20,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        check()
