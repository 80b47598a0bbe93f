"""OpenAPI description of `ApiTokenAuthentication` for drf-spectacular (imported in `AccountsConfig.ready`)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object


class ApiTokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        definition = build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")  # noqa: S106
        definition["description"] = (
            "API-Token aus der Portal-Verwaltung: `Authorization: Token <Schlüssel>` (oder `Bearer <Schlüssel>`)."
        )
        return definition
