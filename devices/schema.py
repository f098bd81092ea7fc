"""OpenAPI security scheme for device API keys (imported in DevicesConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class DeviceApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "devices.access.ApiKeyAuthentication"
    name = "DeviceApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-API-Key",
            "description": "A device API key (`wa_<prefix>_<secret>`); never in the query string.",
        }
