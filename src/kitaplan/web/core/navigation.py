"""The main navigation (de: Hauptnavigation) as a registry, so that core needs no feature app.

Each app adds its menu entries in its ``AppConfig.ready()``::

    navigation.register(NavEntry("budget:overview", _("Area budget"), 60, visible=is_staff_user))

The context processor (:func:`kitaplan.web.core.context_processors.navigation`) shows the
entries whose ``visible(user)`` holds, in ``order``. Labels are lazy translations, worded when
the page renders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kitaplan.web.core.access import AnyUser

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    Label = str | _StrPromise
else:
    Label = Any


def _always(user: AnyUser) -> bool:
    return True


@dataclass(frozen=True)
class NavEntry:
    """One menu entry: the URL name, its label, the place in the menu and who sees it.

    ``exact``: the entry is active only on its own URL (the start page), not on every page
    below it.
    """

    url_name: str
    label: Label
    order: int
    visible: Callable[[AnyUser], bool] = _always
    exact: bool = False


_entries: dict[str, NavEntry] = {}


def register(entry: NavEntry) -> None:
    """Add (or, under the same URL name, replace) a menu entry."""
    _entries[entry.url_name] = entry


def entries() -> list[NavEntry]:
    """Every registered entry in menu order."""
    return sorted(_entries.values(), key=lambda e: (e.order, e.url_name))


def visible_entries(user: AnyUser) -> list[NavEntry]:
    """The entries this user sees, in menu order."""
    return [entry for entry in entries() if entry.visible(user)]
