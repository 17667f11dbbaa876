"""The models module Django looks for. Each concern keeps its models in its own package; importing them
here registers them with the `orgs` app. Code imports a model from its concern package
(`from orgs.regions.models import Region`), never from here."""
import orgs.access.models
import orgs.accounts.models
import orgs.assessments.models
import orgs.homes.models
import orgs.jobs.models
import orgs.organizations.election
import orgs.organizations.models
import orgs.regions.models
import orgs.signon.models
import orgs.staffing.models
import orgs.training.models
import orgs.units.models  # noqa: F401
