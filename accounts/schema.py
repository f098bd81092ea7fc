"""OpenAPI security scheme for dashboard tokens (imported in AccountsConfig.ready); the app that
owns API keys describes them."""

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
