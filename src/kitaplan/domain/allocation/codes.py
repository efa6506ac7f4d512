"""The reason codes that the compiled explanation kernel writes per list entry.

Kept apart from :mod:`kitaplan.domain.allocation.kernel` so that reading them does not import
numba. :mod:`kitaplan.domain.allocation.explain` turns them into :class:`Reason` values.
"""

NO_REASON = -1  # at or below the child's own place: nothing to explain
NO_PLACES_FOR_AGE_GROUP = 0  # the facility has no programme for the child's age group
NO_PLACES_OF_KIND = 1  # no integration places (need) or no regular/released places (others)
FULL_WITH_HIGHER_PRIORITY = 2  # full, and the child's key is worse than the cut-off
