"""The admin module Django's autodiscovery imports: it loads each concern's `admin` (which registers its models)."""
import orgs.access.admin
import orgs.accounts.admin
import orgs.audit.admin
import orgs.organizations.admin
import orgs.regions.admin
import orgs.twofactor.admin  # noqa: F401
