"""The GraphQL run's checks (loaded by .ci/schemathesis.sh through
SCHEMATHESIS_HOOKS). schemathesis's own GraphQL checks count every error
with a path as a server error, but a GraphQL API answers "not found" or
"unauthenticated" that way by design. What must hold instead: no 5xx, no
error the server itself calls internal, and every error names its kind in
`extensions.code`, so clients branch on a code and not on wording."""

import json

import schemathesis


def _errors(response):
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"a GraphQL answer that is not JSON ({response.status_code})")
    return body.get("errors") or []


@schemathesis.check
def graphql_no_server_error(ctx, response, case):
    if response.status_code >= 500:
        raise AssertionError(f"status {response.status_code}")
    for error in _errors(response):
        if (error.get("extensions") or {}).get("code") == "INTERNAL_SERVER_ERROR":
            raise AssertionError(f"an internal error: {error}")


@schemathesis.check
def graphql_errors_have_codes(ctx, response, case):
    for error in _errors(response):
        code = (error.get("extensions") or {}).get("code")
        if not isinstance(code, str) or not code:
            raise AssertionError(f"a GraphQL error without extensions.code: {error}")
