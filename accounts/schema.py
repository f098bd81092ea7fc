"""OpenAPI security schemes for the API's two credentials (imported in AccountsConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class LogtoJWTScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.LogtoJWTAuthentication"
    name = "LogtoJWT"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A Logto access token for this API's resource.",
        }


class DeviceApiKeyScheme(OpenApiAuthenticationExtension):
    # By path: accounts does not import devices.
    target_class = "devices.access.ApiKeyAuthentication"
    name = "DeviceApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-API-Key",
            "description": "A device API key (`wa_<prefix>_<secret>`); never in the query string.",
        }
