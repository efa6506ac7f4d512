from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworksConfig(AppConfig):
    name = "kitaplan.web.networks"
    label = "networks"
    verbose_name = _("Networks")

    def ready(self) -> None:
        from kitaplan.exchange.formats import network_members
        from kitaplan.exchange.mappings import ImportKind
        from kitaplan.web.imports.registry import ImportKindEntry, register_kind
        from kitaplan.web.networks.imports import MEMBER_COLUMNS, persist_network_members
        from kitaplan.web.networks.selectors import can_manage

        register_kind(
            ImportKindEntry(
                kind=ImportKind.NETWORK_MEMBERS,
                label=_("Network members"),
                mappings=network_members.MAPPINGS,
                persist=persist_network_members,
                may_import=can_manage,
                columns=MEMBER_COLUMNS,
                order=50,
            )
        )
