"""The German (and English) wording of the administration's refusals, for pages and the CLI."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kitaplan.domain.territory.levels import LevelProblem, LevelProblemCode
from kitaplan.web.administration.services import RefusalCode, SetupRefused


def describe_level_problem(problem: LevelProblem) -> str:
    level = problem.level
    code = problem.code
    if code == LevelProblemCode.NO_LEVELS:
        return _("Name at least one area level.")
    if code == LevelProblemCode.BAD_CODE:
        return _(
            'Level code "%(level)s": use lower-case letters, digits, "-" and "_" only '
            "(at most 40 characters)."
        ) % {"level": level}
    if code == LevelProblemCode.MISSING_NAME:
        return _('Level "%(level)s": the name is missing.') % {"level": level}
    if code == LevelProblemCode.DUPLICATE_CODE:
        return _('The level code "%(level)s" is given twice.') % {"level": level}
    if code == LevelProblemCode.USED_LEVEL_REMOVED:
        return _('The level "%(level)s" cannot be removed: areas of this level are stored.') % {
            "level": level
        }
    if code == LevelProblemCode.USED_LEVEL_CODE_CHANGED:
        return _(
            'The code of the level "%(level)s" cannot change: areas of this level are stored '
            "(the name may change)."
        ) % {"level": level}
    return _(
        'The level "%(level)s" cannot move to another position: areas of this level are '
        "stored and point to their parent area of the level above."
    ) % {"level": level}


def describe_refusal(refusal: SetupRefused) -> list[str]:
    """One sentence per problem of the refusal."""
    code = refusal.code
    if code == RefusalCode.LEVELS:
        return [describe_level_problem(p) for p in refusal.problems]
    wording = {
        RefusalCode.TERRITORY_EXISTS: _(
            'A territory with the code "%(key)s" exists already; nothing was changed.'
        ),
        RefusalCode.USER_EXISTS: _("A user with this username exists already."),
        RefusalCode.SCOPE_NEEDED: _("A facility manager needs a provider or a facility."),
        RefusalCode.SCOPE_NOT_FOR_ROLE: _(
            "A provider or a facility can only be given to a facility manager."
        ),
        RefusalCode.SCOPE_OTHER_TERRITORY: _(
            "The provider or facility belongs to another territory than the role."
        ),
        RefusalCode.ROLE_EXISTS: _("The user holds this role with this scope already."),
        RefusalCode.OWN_LAST_ADMIN_ROLE: _("You cannot remove your own last administrator role."),
        RefusalCode.LAST_ADMIN: _(
            "This is the last active administrator: give another user the role first."
        ),
        RefusalCode.OWN_ACCOUNT: _("You cannot deactivate your own account."),
        RefusalCode.SCOPE_NEEDS_TERRITORY: _("Choose the territory of the provider or facility."),
        RefusalCode.UNKNOWN_PROVIDER: _('The territory has no provider with the number "%(key)s".'),
        RefusalCode.UNKNOWN_FACILITY: _('The territory has no facility with the number "%(key)s".'),
        RefusalCode.TERRITORY_NOT_FOR_ROLE: _(
            "Parents and childminders see their own records wherever they are: their roles take "
            "no territory. Choose “every territory”."
        ),
    }[code]
    return [wording % refusal.params if refusal.params else wording]
