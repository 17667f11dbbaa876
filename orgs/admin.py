"""The admin module Django's autodiscovery imports: it loads each concern's `admin` (which registers its models)."""
import orgs.access.admin
import orgs.organizations.admin
import orgs.regions.admin  # noqa: F401
