"""The ``kitaplan`` command: demo, serve, import, export, check, allocate, payments, backup,
restore, retention.

Every command explains itself with ``--help``; long work shows progress; bad input ends with a
clear message (German by default, ``--lang en`` for English) and a non-zero exit code.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kitaplan.web.territory.models import Territory

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def _setup_django(lang: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kitaplan.web.settings")
    import django

    django.setup()
    from django.utils import translation

    translation.activate(lang)


def _migrate(verbose: bool = False) -> None:
    from django.conf import settings
    from django.core.management import call_command

    Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=1 if verbose else 0)
    # the table of a database cache configured after the first migration (core/0004 made the first)
    call_command("createcachetable", verbosity=0)


def _analyze() -> None:
    """Planner statistics for the tables just loaded (PostgreSQL and SQLite both know ANALYZE).
    Without them, until autovacuum gets round to it (or never, where it is off), PostgreSQL
    plans joins of the fresh demo as if its tables were empty: one query of the allocation
    statistics took 164 ms with a nested loop instead of 2.5 ms."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _say(message: str) -> None:
    print(message, flush=True)


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print(message, file=sys.stderr, flush=True)
    return code


def _territory(code: str) -> Territory:
    from django.utils.translation import gettext as _

    from kitaplan.web.territory.models import Territory

    try:
        return Territory.objects.get(code=code)
    except Territory.DoesNotExist:
        known = ", ".join(Territory.objects.values_list("code", flat=True)) or "–"
        raise SystemExit(
            _fail(
                _('There is no territory "%(code)s" (known: %(known)s).')
                % {"code": code, "known": known}
            )
        ) from None


def cmd_demo(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from kitaplan.web.core.access import SYSTEM
    from kitaplan.web.demo.allocation import create_demo_rounds, demo_rounds_summary
    from kitaplan.web.demo.childminding import create_demo_pool, demo_pool_summary
    from kitaplan.web.demo.city import (
        DEMO_PASSWORD,
        create_demo_accounts,
        create_demo_budget,
        create_demo_population_grid,
        create_demo_scenario,
        create_demo_targets,
        load_demo,
    )
    from kitaplan.web.demo.inclusion import create_demo_inclusion
    from kitaplan.web.demo.measures import create_demo_plan
    from kitaplan.web.demo.networks import create_demo_network
    from kitaplan.web.demo.payments import create_demo_payments
    from kitaplan.web.demo.qualification import create_demo_qualification
    from kitaplan.web.demo.substitutes import create_demo_wave, demo_wave_summary

    _say(_("Preparing the database …"))
    _migrate()
    _say(_("Loading the demo city (Berlin) and Dresden from the packaged open data …"))
    runs = load_demo(actor=SYSTEM, progress=_say)
    refused = [r for r in runs if r.status != "succeeded"]
    if refused:
        return _fail(
            _("The demo data could not be loaded: %(files)s")
            % {"files": ", ".join(r.file_name for r in refused)},
            EXIT_PROBLEMS,
        )
    create_demo_targets()
    create_demo_population_grid()
    create_demo_scenario()
    create_demo_budget()
    accounts = create_demo_accounts()
    # After the accounts: the demo parent "eltern" owns some of the synthetic applications.
    create_demo_rounds()
    rounds_line = demo_rounds_summary()
    if rounds_line:
        _say(rounds_line)
    create_demo_pool()
    pool_line = demo_pool_summary()
    if pool_line:
        _say(pool_line)
    create_demo_payments()
    create_demo_qualification()
    create_demo_inclusion()
    create_demo_wave()
    create_demo_plan()
    create_demo_network()
    _analyze()
    wave_line = demo_wave_summary()
    if wave_line:
        _say(wave_line)
    _say("")
    _say(_("Demo accounts (password for all: %(password)s):") % {"password": DEMO_PASSWORD})
    for account in accounts:
        scope = f" – {account.scope}" if account.scope else ""
        _say(f"  {account.username:<14} {account.role.label}{scope}")
    if args.serve:
        return cmd_serve(args)
    return EXIT_OK


LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def _start_background_worker(args: argparse.Namespace) -> None:
    """Start what runs next to the web app (the job worker, issue 14).

    ``kitaplan serve`` (and ``demo --serve``) call this once, after the migrations and before
    the server starts, with the server's arguments. On SQLite the jobs that the previous server
    left open are marked failed (its in-memory queue is gone; they can be retried), and each
    server process starts its worker thread with its first job or health check
    (``jobs.worker``). On PostgreSQL ``kitaplan worker`` works the queue.
    """
    from kitaplan.web.jobs.worker import prepare_embedded_queue

    prepare_embedded_queue()


def cmd_serve(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.core.management import call_command
    from django.utils.translation import gettext as _

    if args.host not in LOOPBACK_HOSTS and settings.SECRET_KEY == settings.DEMO_SECRET_KEY:
        return _fail(
            _("Refusing to serve on %(host)s with the demo's secret key: set SECRET_KEY first.")
            % {"host": args.host}
        )
    for name in ("workers", "threads", "timeout"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            return _fail(_("--%(option)s must be at least 1.") % {"option": name})
    _migrate()
    _start_background_worker(args)
    _say(
        _("kitaplan runs at http://%(host)s:%(port)s/ (stop with Ctrl+C)")
        % {"host": args.host, "port": args.port}
    )
    if args.dev:
        call_command(
            "runserver",
            f"{args.host}:{args.port}",
            use_reloader=True,
            use_threading=True,
        )
        return EXIT_OK
    from kitaplan.web.server import ServerOptions, default_workers, run_server

    options = ServerOptions(
        host=args.host,
        port=args.port,
        workers=args.workers or default_workers(),
        threads=args.threads or ServerOptions.threads,
        timeout_s=args.timeout or ServerOptions.timeout_s,
    )
    _say(
        _("Production server (gunicorn): %(workers)s worker processes × %(threads)s threads.")
        % {"workers": options.workers, "threads": options.threads}
    )
    run_server(options)
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from kitaplan.web.core.access import SYSTEM
    from kitaplan.web.imports.messages import describe_problem
    from kitaplan.web.imports.registry import all_mappings, kind_entries
    from kitaplan.web.imports.services import import_file, problem_from_dict

    path = Path(args.file)
    if not path.is_file():
        return _fail(_("%(file)s: the file does not exist.") % {"file": args.file})
    from kitaplan.web.core.uploads import max_upload_bytes, too_large_message

    if path.stat().st_size > max_upload_bytes():  # before anything reads the file
        return _fail(f"{args.file}: {too_large_message()}")
    entries = {entry.kind.value: entry for entry in kind_entries()}
    if args.kind not in entries:
        return _fail(
            _('There is no kind of data "%(kind)s" (known: %(known)s).')
            % {"kind": args.kind, "known": ", ".join(entries)}
        )
    if args.complete_list and not entries[args.kind].closes_missing:
        return _fail(
            _(
                '"%(kind)s" is never closed by an import; --complete-list does not apply '
                "(it does to: %(kinds)s)."
            )
            % {
                "kind": args.kind,
                "kinds": ", ".join(k for k, e in entries.items() if e.closes_missing),
            }
        )
    mappings = all_mappings()
    if args.mapping and (
        args.mapping not in mappings or mappings[args.mapping].kind_of_import.value != args.kind
    ):
        known = sorted(n for n, m in mappings.items() if m.kind_of_import.value == args.kind)
        return _fail(
            _('There is no column mapping "%(name)s" (known: %(known)s).')
            % {"name": args.mapping, "known": ", ".join(known)}
        )
    _migrate()
    territory = _territory(args.territory)
    run = import_file(
        territory=territory,
        kind=args.kind,
        path=path,
        actor=SYSTEM,
        mapping_name=args.mapping,
        effective_day=args.effective_day,
        progress=_say,
        complete_list=args.complete_list,
        dry_run=args.dry_run,
        confirm_closing=args.yes,
    )
    if run.status == "dry_run":
        return _import_held_back(run, asked=args.dry_run)
    if run.status != "succeeded":
        print(_("The file was not imported. Nothing was changed in the database."), file=sys.stderr)
        for problem in run.problems:
            print("  " + describe_problem(problem_from_dict(problem)), file=sys.stderr)
        if run.problems_not_stored:
            print("  " + _more_problems(run.problems_not_stored), file=sys.stderr)
        return EXIT_PROBLEMS
    _say(
        _(
            "Imported: %(added)s added, %(changed)s changed, %(unchanged)s unchanged, %(removed)s removed."
        )
        % {
            "added": run.added,
            "changed": run.changed,
            "unchanged": run.unchanged,
            "removed": run.removed,
        }
    )
    return EXIT_OK


def _more_problems(count: int) -> str:
    from django.contrib.humanize.templatetags.humanize import intcomma
    from django.utils.translation import ngettext

    return ngettext(
        "… and %(shown)s more problem (not stored).",
        "… and %(shown)s more problems (not stored).",
        count,
    ) % {"shown": intcomma(count)}


def _import_held_back(run: Any, *, asked: bool) -> int:
    """Report a dry run (asked for with --dry-run, or a closing that needs --yes)."""
    from django.utils.translation import gettext as _

    closing = run.closing
    _say(
        _(
            "Dry run, nothing was written: %(added)s would be added, %(changed)s changed, "
            "%(unchanged)s unchanged, %(removed)s closed."
        )
        % {
            "added": run.added,
            "changed": run.changed,
            "unchanged": run.unchanged,
            "removed": run.removed,
        }
    )
    if run.closing_keys:
        more = " …" if run.removed > len(run.closing_keys) else ""
        _say(_("Would close: %(keys)s") % {"keys": ", ".join(run.closing_keys)} + more)
    if asked:
        return EXIT_OK
    return _fail(
        _(
            "Not imported: as the complete list this file would close %(closing)s of the "
            "%(stored)s stored records of its scope (%(percent)s %%). Check the file; to close "
            "them, run the import again with --yes."
        )
        % {"closing": closing.closing, "stored": closing.stored, "percent": closing.percent},
        EXIT_PROBLEMS,
    )


def cmd_export(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from kitaplan.web.core.access import SYSTEM
    from kitaplan.web.core.exports import export_response, point
    from kitaplan.web.facilities.area_selectors import area_statistics
    from kitaplan.web.facilities.selectors import FacilityFilter, facility_list, facility_rows
    from kitaplan.web.facilities.tables import FACILITY_COLUMNS
    from kitaplan.web.territory import selectors
    from kitaplan.web.territory.models import IndicatorValue, PopulationCount
    from kitaplan.web.territory.tables import (
        AREA_COLUMNS,
        INDICATOR_VALUE_COLUMNS,
        POPULATION_COLUMNS,
    )

    _migrate()
    territory = _territory(args.territory)
    if args.kind == "facilities":
        objects: Any = facility_rows(
            facility_list(user=SYSTEM, filters=FacilityFilter(territory=territory))
        )
        columns, geometry = FACILITY_COLUMNS, (lambda f: point(f.lat, f.lon))
    elif args.kind == "areas":
        stats, _year = area_statistics(territory=territory)
        objects = sorted(stats.values(), key=lambda s: (s.area.level.rank, s.area.official_code))
        boundaries = dict(selectors.current_areas(territory).values_list("pk", "geometry"))
        columns, geometry = AREA_COLUMNS, (lambda s: boundaries.get(s.area.pk))
    elif args.kind == "population":
        objects = PopulationCount.objects.filter(area__territory=territory).select_related("area")
        columns, geometry = POPULATION_COLUMNS, None
    else:
        objects = IndicatorValue.objects.filter(area__territory=territory).select_related(
            "area", "indicator"
        )
        columns, geometry = INDICATOR_VALUE_COLUMNS, None
    if args.format == "geojson" and geometry is None:
        return _fail(
            _("The data of kind %(kind)s have no geometry; choose csv or xlsx.")
            % {"kind": args.kind}
        )
    response = export_response(
        export_format=args.format,
        columns=columns,
        objects=objects,
        base_name=args.kind,
        geometry=geometry,
    )
    out = Path(args.output)
    out.write_bytes(response.content)
    _say(_("Written: %(file)s (%(size)s bytes)") % {"file": out, "size": len(response.content)})
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from kitaplan.web.facilities.checks import run_checks

    _migrate()
    territories = [_territory(args.territory)] if args.territory else None
    findings = run_checks(territories=territories)
    errors = 0
    for territory, items in findings:
        _say(
            f"{territory.name}: "
            + (_("no problems found") if not items else _("%(n)s finding(s)") % {"n": len(items)})
        )
        for finding in items[: args.limit]:
            errors += finding.severity == "error"
            _say(f"  {finding.code} {finding.severity:<7} {finding.subject}: {finding.message}")
        if len(items) > args.limit:
            errors += sum(f.severity == "error" for f in items[args.limit :])
            _say("  " + _("… and %(n)s more") % {"n": len(items) - args.limit})
    return EXIT_PROBLEMS if errors else EXIT_OK


def cmd_allocate(args: argparse.Namespace) -> int:
    """Run the allocation on an instance directory; needs no database (Django only for wording)."""
    import secrets
    import time

    from django.utils.translation import gettext as _

    from kitaplan.domain.allocation import allocate, check_problems, run_allocation
    from kitaplan.exchange.allocation_instance import read_instance, read_lottery, write_allocation
    from kitaplan.web.allocation.check_wording import describe_check_problem
    from kitaplan.web.imports.messages import describe_problem

    instance_dir = Path(args.instance)
    if not instance_dir.is_dir():
        return _fail(_("%(folder)s: the folder does not exist.") % {"folder": args.instance})
    result = read_instance(instance_dir)
    if result.instance is None:
        print(_("The instance was refused; nothing was written:"), file=sys.stderr)
        for problem in result.problems:
            print("  " + describe_problem(problem), file=sys.stderr)
        return EXIT_PROBLEMS
    instance = result.instance
    given = None
    if args.lottery:
        read = read_lottery(Path(args.lottery), instance)
        if read.lottery is None:
            print(_("The lottery file was refused; nothing was written:"), file=sys.stderr)
            for problem in read.problems:
                print("  " + describe_problem(problem), file=sys.stderr)
            return EXIT_PROBLEMS
        given = read.lottery
    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    started = time.perf_counter()
    allocation = allocate(instance, lottery=given) if given else run_allocation(instance, seed=seed)
    seconds = time.perf_counter() - started
    paths = write_allocation(Path(args.out), instance, allocation)
    children = len(instance.children)
    placed = sum(f is not None for f in allocation.assignment.values())
    first = sum(
        1
        for c in instance.children
        if (f := allocation.assignment[c.child_id]) is not None
        and instance.preferences[c.child_id][0] == f
    )
    need = [c.child_id for c in instance.children if c.integration_need]
    if given:
        _say(_("Lottery numbers read from %(file)s") % {"file": args.lottery})
    else:
        _say(
            _("Seed: %(seed)s (rerun with --seed %(seed)s to reproduce this result)")
            % {"seed": seed}
        )
    _say(
        _("Children: %(n)s, placed: %(placed)s, unplaced: %(unplaced)s")
        % {"n": children, "placed": placed, "unplaced": children - placed}
    )
    if need:
        unplaced_need = sum(allocation.assignment[c] is None for c in need)
        _say(
            _("  with integration need: %(n)s, unplaced: %(unplaced)s")
            % {"n": len(need), "unplaced": unplaced_need}
        )
    rate = 100 * first / children if children else 0.0
    _say(
        _("First choice: %(n)s (%(rate)s %% of all children)") % {"n": first, "rate": f"{rate:.1f}"}
    )
    _say(
        _("Allocation took %(seconds)s s. Written: %(files)s")
        % {"seconds": f"{seconds:.3f}", "files": ", ".join(str(p) for p in paths)}
    )
    problems = check_problems(instance, allocation)
    if problems:
        print(_("The independent check found problems in this allocation:"), file=sys.stderr)
        for check_problem in problems:
            print("  " + describe_check_problem(check_problem), file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_OK


def cmd_payments(args: argparse.Namespace) -> int:
    """Compute a month of childminder payments from files alone (no database)."""
    from django.utils.translation import gettext as _

    from kitaplan.exchange.childminding_payments import run_payments_cli
    from kitaplan.web.imports.messages import describe_problem

    run = run_payments_cli(
        rates=[Path(p) for p in args.rates],
        contracts=Path(args.contracts),
        month=args.month,
        out=Path(args.out),
        insurance=Path(args.insurance) if args.insurance else None,
        absences=Path(args.absences) if args.absences else None,
        released=[Path(p) for p in args.released or ()],
        actual_hours=Path(args.actual_hours) if args.actual_hours else None,
    )
    if run.exit_code == EXIT_USAGE:
        return _fail(_("Give --month as YYYY-MM and at least one --rates file."))
    if run.exit_code != EXIT_OK or run.result is None:
        print(_("The input was refused; nothing was written:"), file=sys.stderr)
        for problem in run.problems:
            print("  " + describe_problem(problem), file=sys.stderr)
        return EXIT_PROBLEMS
    result = run.result
    corrections = sum(1 for line in result.lines if line.corrects_month)
    total = f"{result.total_cents / 100:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    _say(
        _(
            "%(month)s: %(lines)s lines (%(corrections)s corrections) for %(people)s childminders, "
            "total %(total)s EUR. Written: %(file)s"
        )
        % {
            "month": result.month,
            "lines": len(result.lines),
            "corrections": corrections,
            "people": len(result.totals_by_childminder()),
            "total": total,
            "file": args.out,
        }
    )
    return EXIT_OK


def cmd_worker(args: argparse.Namespace) -> int:
    """Work the job queue on PostgreSQL (ADR 0012); stops on Ctrl+C / SIGTERM."""
    from django.conf import settings
    from django.utils.translation import gettext as _

    from kitaplan.web.jobs.queue import uses_postgres
    from kitaplan.web.jobs.worker import run_worker

    if not uses_postgres():
        return _fail(
            _(
                "kitaplan worker works the job queue in PostgreSQL (DATABASE_URL). On the "
                "embedded SQLite database, kitaplan serve runs the jobs itself."
            )
        )
    if args.concurrency < 1:
        return _fail(_("--%(option)s must be at least 1.") % {"option": "concurrency"})
    _migrate()
    heartbeat = args.heartbeat_seconds or settings.KITAPLAN_WORKER_HEARTBEAT_SECONDS
    stalled = args.stalled_seconds or settings.KITAPLAN_WORKER_STALLED_SECONDS
    _say(
        _("The job worker runs (%(concurrency)s at once; stop with Ctrl+C).")
        % {"concurrency": args.concurrency}
    )
    run_worker(
        concurrency=args.concurrency,
        heartbeat_seconds=heartbeat,
        stalled_seconds=stalled,
        recovery_seconds=max(1.0, stalled / 2),
    )
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    """Write the database and the uploaded files into one archive with a manifest."""
    from django.conf import settings
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from kitaplan.web.core.backup import BackupError, create_backup

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    name = f"kitaplan-{stamp}.tar"
    out = Path(args.output) if args.output else Path(settings.DATA_DIR) / "backups" / name
    if out.is_dir():
        out = out / name
    try:
        manifest = create_backup(out, progress=_say)
    except BackupError as error:
        return _fail(str(error), EXIT_PROBLEMS)
    tables = manifest["tables"]
    _say(
        _("Backup written: %(file)s (%(tables)s tables, %(rows)s rows, %(uploads)s uploaded files)")
        % {
            "file": out,
            "tables": len(tables),
            "rows": sum(t["rows"] for t in tables.values()),
            "uploads": len(manifest["uploads"]),
        }
    )
    return EXIT_OK


def cmd_retention(args: argparse.Namespace) -> int:
    """Apply the retention periods of personal data (``KITAPLAN_RETENTION_*``) once."""
    from django.utils.translation import gettext as _

    from kitaplan.web.audit.retention import run_retention
    from kitaplan.web.core.access import SYSTEM
    from kitaplan.web.core.retention import periods

    _migrate()
    p = periods()
    done = run_retention(actor=SYSTEM, today=args.today, dry_run=args.dry_run)
    _say(
        _(
            "Retention periods: applications %(a)s months after the care start, parents' "
            "e-mail addresses %(c)s months after the contract ended, childminders who left "
            "%(m)s years after the last payment."
        )
        % {"a": p.application_months, "c": p.parent_contact_months, "m": p.childminder_years}
    )
    if args.dry_run:
        _say(_("Dry run: nothing is changed. Would erase:"))
    for line in done.erased:
        references = line.references
        _say(
            f"  {line.outcome.label}: {len(references)}"
            + (f" ({', '.join(references)})" if references else "")
        )
    for line in done.not_erased:
        if line.references:
            _say(str(line.outcome.label) % {"refs": ", ".join(line.references)})
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    """Restore an archive of ``kitaplan backup`` and verify it against its manifest."""
    from django.utils.translation import gettext as _

    from kitaplan.web.core.backup import BackupError, check_archive, restore_backup

    archive = Path(args.archive)
    try:
        if args.check:
            manifest = check_archive(archive)
            _say(
                _("%(file)s is complete: %(vendor)s backup of %(created)s, kitaplan %(version)s.")
                % {
                    "file": archive,
                    "vendor": manifest["database_vendor"],
                    "created": manifest.get("created_at", "?"),
                    "version": manifest.get("kitaplan_version", "?"),
                }
            )
            return EXIT_OK
        result = restore_backup(archive, force=args.force, progress=_say)
    except BackupError as error:
        return _fail(str(error), EXIT_PROBLEMS)
    if result.mismatches:
        print(
            _("THE RESTORED DATABASE DOES NOT MATCH THE BACKUP (uploads left unchanged):"),
            file=sys.stderr,
        )
        for line in result.mismatches:
            print("  " + line, file=sys.stderr)
        return EXIT_PROBLEMS
    _say(
        _(
            "Restored and verified: %(tables)s tables, %(rows)s rows, %(uploads)s uploaded files "
            "(backup of %(created)s)."
        )
        % {
            "tables": result.tables,
            "rows": result.rows,
            "uploads": result.uploads,
            "created": result.manifest.get("created_at", "?"),
        }
    )
    return EXIT_OK


# --- set-up: territories and users (kitaplan.web.administration.services) -------------------


def _say_refusal(refusal: Any) -> int:
    from kitaplan.web.administration.messages import describe_refusal

    for text in describe_refusal(refusal):
        print(text, file=sys.stderr, flush=True)
    return EXIT_PROBLEMS


def cmd_territory(args: argparse.Namespace) -> int:
    from django.utils.translation import gettext as _

    from kitaplan.domain.territory.levels import parse_level_list
    from kitaplan.web.administration import selectors, services
    from kitaplan.web.core.access import SYSTEM

    _migrate()
    if args.action == "list":
        for territory in selectors.territories_for_list():
            levels = " > ".join(level.code for level in territory.levels.all()) or "-"
            _say(
                f"{territory.code:<16} {territory.name:<24} {levels}  "
                + _("%(count)s areas") % {"count": getattr(territory, "n_areas", 0)}
            )
        return EXIT_OK
    try:
        territory = services.create_territory(
            actor=SYSTEM,
            code=args.code,
            name=args.name,
            official_code=args.official_code or "",
            levels=parse_level_list(args.levels),
            attribution=args.attribution or "",
        )
    except services.SetupRefused as refusal:
        return _say_refusal(refusal)
    _say(
        _('The territory "%(code)s" was set up with the levels %(levels)s.')
        % {
            "code": territory.code,
            "levels": ", ".join(level.code for level in territory.levels.order_by("rank")),
        }
    )
    return EXIT_OK


def _new_password(args: argparse.Namespace) -> str:
    """From standard input (--password-stdin), KITAPLAN_NEW_PASSWORD or the prompt (twice);
    never from the command line, where other users of the machine could read it."""
    from django.utils.translation import gettext as _

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    given = os.environ.get("KITAPLAN_NEW_PASSWORD")
    if given:
        return given
    import getpass

    first = getpass.getpass(_("Password of the new user: "))
    if getpass.getpass(_("The password again: ")) != first:
        raise SystemExit(_fail(_("The two passwords differ."), EXIT_PROBLEMS))
    return first


def cmd_user(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from kitaplan.web.administration import selectors, services
    from kitaplan.web.core.access import SYSTEM
    from kitaplan.web.core.roles import Role

    _migrate()
    if args.action == "list":
        for user in selectors.users_for_list():
            roles = ", ".join(
                Role(a.role).label + (f" ({a.territory.code})" if a.territory else "")
                for a in user.role_assignments.all()
            )
            state = "" if user.is_active else " " + _("(deactivated)")
            _say(f"{user.username:<20} {roles or '-'}{state}")
        return EXIT_OK
    role = Role(args.role)
    try:
        territory = _territory(args.territory) if args.territory else None
        provider, facility = services.find_scope(
            territory=territory, provider_key=args.provider or "", facility_key=args.facility or ""
        )
        services.check_scope(role, territory, provider, facility)
        user = services.create_user(
            actor=SYSTEM, username=args.name, password=_new_password(args), email=args.email or ""
        )
        services.assign_role(
            actor=SYSTEM,
            user=user,
            role=role,
            territory=territory,
            provider=provider,
            facility=facility,
        )
    except services.SetupRefused as refusal:
        return _say_refusal(refusal)
    except ValidationError as error:
        for message in error.messages:
            print(message, file=sys.stderr, flush=True)
        return EXIT_PROBLEMS
    _say(
        _('The user "%(name)s" was created with the role %(role)s.')
        % {"name": user.username, "role": role.label}
    )
    return EXIT_OK


def _add_setup_parsers(sub: Any) -> None:
    """``kitaplan territory create|list`` and ``kitaplan user create|list``."""
    from kitaplan.web.core.roles import Role

    ter = sub.add_parser(
        "territory",
        help="set up a territory with its area levels, or list the territories",
        description="Set up a new territory (a Jugendamt's municipality) with its area levels, "
        "coarse to fine; refused with exit code 1 when the code exists. The same as the page "
        "Administration > Territories. See docs/howto/import-a-city.md.",
    )
    ter_sub = ter.add_subparsers(dest="action", required=True, metavar="ACTION")
    ter_new = ter_sub.add_parser("create", help="set up a territory")
    ter_new.add_argument("code", help="code, e.g. dresden (lower-case letters, digits, - and _)")
    ter_new.add_argument("name", help="name, e.g. Dresden")
    ter_new.add_argument(
        "--levels",
        required=True,
        help="area levels coarse to fine, e.g. stadtbezirk,stadtteil "
        "(or code=Name: bezirk=Bezirk,plr=Planungsraum)",
    )
    ter_new.add_argument("--official-code", help="Amtlicher Gemeindeschlüssel, e.g. 14612000")
    ter_new.add_argument(
        "--attribution", help="credit of the territory's data sources (its about page, PDFs)"
    )
    ter_sub.add_parser("list", help="list the territories with their levels")
    ter.set_defaults(func=cmd_territory)

    usr = sub.add_parser(
        "user",
        help="create a user with a role, or list the users",
        description="Create a user with one role and its scope. The password is read from "
        "standard input (--password-stdin), from KITAPLAN_NEW_PASSWORD or from the prompt, "
        "never from the command line. Refused with exit code 1 when the username exists. The "
        "same as the page Administration > Users and roles.",
    )
    usr_sub = usr.add_subparsers(dest="action", required=True, metavar="ACTION")
    usr_new = usr_sub.add_parser("create", help="create a user with a role")
    usr_new.add_argument("name", help="username (for the login)")
    usr_new.add_argument("--role", required=True, choices=[r.value for r in Role])
    usr_new.add_argument("--territory", help="territory code the role is for")
    usr_new.add_argument(
        "--provider", help="provider number (facility managers; needs --territory)"
    )
    usr_new.add_argument(
        "--facility", help="facility number (facility managers; needs --territory)"
    )
    usr_new.add_argument("--email", help="e-mail address")
    usr_new.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    usr_sub.add_parser("list", help="list the users with their roles")
    usr.set_defaults(func=cmd_user)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kitaplan",
        description="kitaplan – plan and steer childcare in a municipality. "
        "The database is SQLite under ./var unless DATABASE_URL is set.",
    )
    parser.add_argument(
        "--lang",
        choices=["de", "en"],
        default=os.environ.get("KITAPLAN_LANG", "de"),
        help="language of messages (default: de)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        help="load the demo city (Berlin, plus Dresden) and create demo accounts",
        description="Create the database if needed, import the packaged open data of "
        "Berlin and Dresden (again: unchanged data stays unchanged) and "
        "print the demo accounts.",
    )
    demo.add_argument("--serve", action="store_true", help="start the web app afterwards")
    demo.set_defaults(func=cmd_demo)

    for p in (
        demo,
        serve := sub.add_parser(
            "serve",
            help="run the web app",
            description="Run the web app on this machine with the production server "
            "(gunicorn, workers sized to the machine); --dev: Django's development server.",
        ),
    ):
        p.add_argument(
            "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
        )
        p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
        p.add_argument(
            "--dev",
            action="store_true",
            help="Django's development server, reloading on code changes (not for production)",
        )
        p.add_argument(
            "--workers",
            type=int,
            help="worker processes of the production server (default: 2 × cores + 1, at most 12)",
        )
        p.add_argument("--threads", type=int, help="threads per worker process (default 2)")
        p.add_argument(
            "--timeout",
            type=int,
            help="seconds a request may take before its worker is restarted (default 120)",
        )
    serve.set_defaults(func=cmd_serve)

    imp = sub.add_parser(
        "import",
        help="import a file of one kind of data (areas, facilities, applications, …)",
        description="Check a file completely and import it in one step: either every "
        "row is stored or nothing. An import adds and updates; it closes nothing unless the "
        "file is declared the complete list (--complete-list). See docs/data-formats.md.",
    )
    imp.add_argument("file", help="CSV, XLSX, GeoJSON, GeoPackage or zipped Shapefile")
    imp.add_argument("--territory", required=True, help="territory code, e.g. berlin")
    imp.add_argument(
        "--kind",
        required=True,
        help="what the file contains: areas, population, indicators, indicator_values, "
        "providers, facilities, population_grid, or an operational kind such as applications, "
        "childminders, care_contracts (see docs/data-formats.md)",
    )
    imp.add_argument(
        "--mapping", help="column mapping of the source (default: the kitaplan standard format)"
    )
    imp.add_argument(
        "--effective-day", type=_date, help="day from which changed places hold (YYYY-MM-DD)"
    )
    imp.add_argument(
        "--complete-list",
        action="store_true",
        help="the file is the complete list of its scope: stored areas, facilities, values or "
        "grid cells it does not list are closed or deleted (only kinds that know this mode)",
    )
    imp.add_argument(
        "--dry-run",
        action="store_true",
        help="check and count what the import would add, change and close; write nothing",
    )
    imp.add_argument(
        "--yes",
        action="store_true",
        help="confirm a complete list that closes more than 5 %% of the stored records",
    )
    imp.set_defaults(func=cmd_import)

    exp = sub.add_parser(
        "export",
        help="export a list as CSV, XLSX or GeoJSON",
        description="Write a territory's facilities, areas, population or indicator values "
        "to a file.",
    )
    exp.add_argument("--territory", required=True, help="territory code, e.g. berlin")
    exp.add_argument(
        "--kind", required=True, choices=["facilities", "areas", "population", "indicator_values"]
    )
    exp.add_argument("--format", default="csv", choices=["csv", "xlsx", "geojson"])
    exp.add_argument("-o", "--output", required=True, help="file to write")
    exp.set_defaults(func=cmd_export)

    chk = sub.add_parser(
        "check",
        help="report inconsistencies in the stored data",
        description="Report facilities outside every area, duplicate keys, population "
        "gaps and other inconsistencies. Exits with 1 when errors are found.",
    )
    chk.add_argument("--territory", help="only this territory")
    chk.add_argument(
        "--limit", type=int, default=50, help="show at most this many findings per territory"
    )
    chk.set_defaults(func=cmd_check)

    alloc = sub.add_parser(
        "allocate",
        help="allocate places from an instance folder (CSV files), without a database",
        description="Read facilities.csv, children.csv, preferences.csv and (optionally) "
        "priorities.csv from the instance folder, place children by two-step deferred "
        "acceptance (children with integration need first, on integration places only; then "
        "all other children), and write assignment.csv, cutoffs.csv and lottery.csv to the "
        "output folder. The same files and seed always give the same result. Bad files are "
        "refused with every problem listed (exit code 1). See docs/domain/allocation.md.",
    )
    alloc.add_argument("--instance", required=True, help="folder with the input CSV files")
    alloc.add_argument("--out", required=True, help="folder for the result (created if needed)")
    alloc.add_argument(
        "--seed",
        type=int,
        help="seed of the tie-breaking lottery (default: drawn at random and printed)",
    )
    alloc.add_argument(
        "--lottery",
        help="CSV file child_id,lottery with given lottery numbers instead of a seed, e.g. the "
        "lottery.csv of a run exported from the web application",
    )
    alloc.set_defaults(func=cmd_allocate)

    pay = sub.add_parser(
        "payments",
        help="compute one month of childminder payments from rate tables and contracts",
        description="Read dated rate tables (TOML) and care contracts (CSV), compute the monthly "
        "payment (laufende Geldleistung) for the month and write one line per childminder, child "
        "and component. Earlier released output files (--released) are recomputed; differences "
        "become correction lines. Bad files are refused with file, row and field named (exit "
        "code 1). See docs/domain/childminding-payments.md.",
    )
    pay.add_argument("--rates", action="append", required=True, help="rate table (repeatable)")
    pay.add_argument("--contracts", required=True, help="contracts CSV file")
    pay.add_argument("--month", required=True, help="month as YYYY-MM")
    pay.add_argument("--out", required=True, help="output CSV file")
    pay.add_argument("--insurance", help="insurance proofs CSV file")
    pay.add_argument("--absences", help="absences CSV file")
    pay.add_argument(
        "--released", action="append", help="output of an earlier released run (repeatable)"
    )
    pay.add_argument(
        "--actual-hours",
        help="CSV file contract_id,month,hours: hours actually cared in a month (settlement "
        "on actual hours; a released month's difference becomes correction lines)",
    )
    pay.set_defaults(func=cmd_payments)

    bak = sub.add_parser(
        "backup",
        help="back up the database and the uploaded files into one archive",
        description="Write one tar archive with the database (PostgreSQL: pg_dump --format=custom; "
        "SQLite: a consistent copy by the online backup API), the uploaded files and a manifest "
        "(created at, version, database vendor, migrations, rows and checksum per table). "
        "See docs/operations.md.",
    )
    bak.add_argument(
        "-o",
        "--output",
        help="archive file or folder (default: var/backups/kitaplan-<date>-<time>.tar); an "
        "existing file is never overwritten",
    )
    bak.set_defaults(func=cmd_backup)

    res = sub.add_parser(
        "restore",
        help="restore an archive of 'kitaplan backup' and verify it",
        description="Check the archive (manifest, checksums, database vendor), replace the "
        "database (PostgreSQL: pg_restore --clean --if-exists --no-owner) and the uploaded "
        "files, then compare every table's rows and checksum with the manifest. Refuses a "
        "database or uploads folder that is not empty unless --force is given. Exits with 1 "
        "on any problem. Stop the web app first. See docs/operations.md.",
    )
    res.add_argument("archive", help="archive written by kitaplan backup")
    res.add_argument(
        "--force", action="store_true", help="replace a database that already holds data"
    )
    res.add_argument(
        "--check",
        action="store_true",
        help="only check that the archive is complete and fits this database; change nothing",
    )
    res.set_defaults(func=cmd_restore)

    ret = sub.add_parser(
        "retention",
        help="erase personal data whose retention period has ended (run it daily)",
        description="Apply the retention periods (KITAPLAN_RETENTION_APPLICATION_MONTHS, "
        "KITAPLAN_RETENTION_PARENT_CONTACT_MONTHS, KITAPLAN_RETENTION_CHILDMINDER_YEARS): "
        "applications are deleted or anonymised, parents' e-mail addresses deleted, childminders "
        "who left anonymised; payment runs are kept. Prints the references, audits each erasure "
        "(no values) and is idempotent. See docs/operations.md, 'Retention and erasure'.",
    )
    ret.add_argument(
        "--dry-run", action="store_true", help="only show what would be erased; change nothing"
    )
    ret.add_argument(
        "--today", type=_date, default=None, help="compute the periods as of this day (YYYY-MM-DD)"
    )
    ret.set_defaults(func=cmd_retention)

    worker = sub.add_parser(
        "worker",
        help="run background jobs (imports, allocation runs and chances, payment runs, report PDFs) "
        "from the PostgreSQL queue",
        description="Work the job queue in PostgreSQL until stopped. Any number of workers may "
        "work one queue; jobs of a worker that died are queued again once, then marked failed.",
    )
    worker.add_argument(
        "--concurrency", type=int, default=1, help="jobs run at once by this worker (default 1)"
    )
    worker.add_argument(
        "--heartbeat-seconds",
        type=float,
        help="seconds between heartbeats (default KITAPLAN_WORKER_HEARTBEAT_SECONDS or 10)",
    )
    worker.add_argument(
        "--stalled-seconds",
        type=float,
        help="a worker without a heartbeat for this long is dead: its jobs are recovered "
        "(default KITAPLAN_WORKER_STALLED_SECONDS or 30)",
    )
    worker.set_defaults(func=cmd_worker)
    _add_setup_parsers(sub)
    return parser


def _date(text: str) -> Any:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_django(args.lang)  # no database is touched unless a command asks for it
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
