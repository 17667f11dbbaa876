"""The admin module Django's autodiscovery imports: it loads each concern's `admin` (which registers its models)."""
import census.coverage.admin
import census.importing.admin
import census.registry.admin  # noqa: F401
