"""The models module Django looks for. Each concern keeps its models in its own package; importing them
here registers them with the `census` app. Code imports a model from its concern package
(`from census.registry.models import Person`), never from here."""
import census.coverage.models
import census.importing.models
import census.registry.models
import census.rounds.models  # noqa: F401
