"""OpenAPI: knox tokens keep the security scheme name ``tokenAuth`` of API v1.

drf-spectacular's own knox extension calls the scheme ``knoxApiToken``; clients generated from
the v1 description refer to ``tokenAuth``, and the header (``Authorization: Token KEY``) did not
change, so the name stays.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object


# drf-spectacular leaves the extensions' __init_subclass__ unannotated.
class KnoxTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "knox.auth.TokenAuthentication"
    name = "tokenAuth"
    priority = 1  # above drf_spectacular.contrib.knox_auth_token

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=self.target.authenticate_header("")
        )
