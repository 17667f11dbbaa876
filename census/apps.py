from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CensusConfig(AppConfig):
    name = "census"
    verbose_name = _("侨情调查")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from census.coverage import receivers  # noqa: F401  (connects the coverage re-evaluation)
        from census.coverage.models import Policy
        from census.coverage.views import region_coverage_panel
        from census.registry.models import Campaign, Person, PersonDocument
        from census.rounds import receivers as round_receivers  # noqa: F401  (reporting regions of a new round)
        from orgs.common.audit import AUDIT_MASK, PHONE_EXCLUDED, PHONE_FIELDS
        from orgs.common.crypto_registry import register_encrypted_field
        from orgs.common.identifiers import document_key, normalize_phone
        from orgs.regions.panels import register_region_panel

        register_region_panel(region_coverage_panel)  # 覆盖情况 on the region page

        # What `manage.py rotate_keys` re-encrypts (and re-hashes: the hash is of document_key(type, number)).
        def by_document(plain: str, id_type: str) -> str:
            return document_key(id_type, plain)

        register_encrypted_field(Person, "id_number_encrypted", hash_field="id_number_hash", normalize=by_document, needs=("id_type",))
        register_encrypted_field(PersonDocument, "number_encrypted", hash_field="number_hash", normalize=by_document, needs=("id_type",))
        register_encrypted_field(Person, "phone_encrypted", hash_field="phone_hash", normalize=normalize_phone)

        auditlog.register(
            Person, exclude_fields=["id_number_encrypted", "id_number_hash", *PHONE_EXCLUDED], mask_fields=PHONE_FIELDS,
            mask_callable=AUDIT_MASK,
        )
        auditlog.register(PersonDocument, exclude_fields=["number_encrypted", "number_hash"])
        auditlog.register(Campaign)
        auditlog.register(Policy)
