"""Who sees a job: the user who started it, and administrators."""

from __future__ import annotations

from django.db.models import QuerySet

from kitaplan.web.core.access import AnyUser, has_any_role, scoped_to_territories
from kitaplan.web.core.roles import Role
from kitaplan.web.jobs.models import Job


def can_view_job(user: AnyUser, job: Job) -> bool:
    if not user.is_authenticated:
        return False
    if has_any_role(user, {Role.ADMIN}):
        return True
    return job.actor_id is not None and job.actor_id == user.pk


@scoped_to_territories("territory", or_none=True)
def jobs_visible_to(user: AnyUser) -> QuerySet[Job]:
    jobs = Job.objects.select_related("territory")
    if has_any_role(user, {Role.ADMIN}):
        return jobs
    if not user.is_authenticated or user.pk is None:
        return jobs.none()
    return jobs.filter(actor_id=user.pk)
