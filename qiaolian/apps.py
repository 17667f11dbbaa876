from django.apps import AppConfig


class QiaolianConfig(AppConfig):
    """The project package as an app: only for commands that compose the apps."""

    name = "qiaolian"
    verbose_name = "qiaolian"

    def ready(self) -> None:
        from qiaolian import checks  # noqa: F401  (registers the deployment checks)
