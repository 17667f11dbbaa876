"""The census pages under one namespace, `census`: each concern keeps its own routes."""
from census.coverage.urls import urlpatterns as coverage_urls
from census.importing.urls import urlpatterns as importing_urls
from census.registry.urls import urlpatterns as registry_urls
from census.rounds.urls import urlpatterns as rounds_urls

app_name = "census"
urlpatterns = [*registry_urls, *importing_urls, *coverage_urls, *rounds_urls]
