from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView


def schema_urls(urlconf: str) -> list:
    """OpenAPI schema + Swagger UI describing the routes of one host's URL conf."""
    return [
        path("api/v1/schema/", SpectacularAPIView.as_view(urlconf=urlconf), name="api-schema"),
        path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    ]
