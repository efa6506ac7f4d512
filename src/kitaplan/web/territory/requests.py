"""The territory a page is about, read from the request (de: Gebietskörperschaft der Seite).

Every page with a territory selector reads ``?territory=CODE``: an unknown code answers 404;
without one the page shows the first territory (by name) that has the data it presents, else
the first territory at all. Only the territories of the user's scope count
(``access.territory_ids_of``): another one answers 404 as if unknown. One function instead of a
``_territory(request)`` in each view module.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from kitaplan.web.core.access import within_territories
from kitaplan.web.territory.models import Territory


def territory_from_request(
    request: HttpRequest,
    *,
    having: Iterable[str | Q] = (),
    among: QuerySet[Territory] | None = None,
) -> Territory | None:
    """The territory named by ``?territory=`` (404 when unknown, not in ``among`` or outside the
    user's scope), else the first one by name that matches the first of ``having`` that any
    territory matches (a relation that must exist, e.g. ``"payment_runs"``, or a ``Q``), else
    the first one."""
    territories = within_territories(
        among if among is not None else Territory.objects.all(), request.user, ""
    ).order_by("name")
    code = request.GET.get("territory")
    if code:
        return get_object_or_404(territories, code=code)
    for condition in having:
        lookup = condition if isinstance(condition, Q) else Q(**{f"{condition}__isnull": False})
        found = territories.filter(lookup).distinct().first()
        if found is not None:
            return found
    return territories.first()
