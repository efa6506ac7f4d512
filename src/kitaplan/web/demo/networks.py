"""Dresden's quality network (de: Dresdner Netzwerk Qualitätsentwicklung in der
Kindertagesbetreuung, "Netzwerk QE") as demo.

Taken from the city's page (seed 002, retrieved 20.11.2024): the name, the description, the
kinds of members and programmes, and the 2024 meetings with date, time and venue. Everything
else is synthetic (fixed seed): about 80 members with invented names and ``example.org``
addresses (consent set), two working groups, the meetings' end (three hours after the start),
agendas, minutes, attendance and action items; a few action items link to measures of the
demo action plan where it is loaded.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from kitaplan.web.facilities.models import Facility
from kitaplan.web.measures.models import Measure, Organisation
from kitaplan.web.networks import services
from kitaplan.web.networks.models import Attendance, Member, Network
from kitaplan.web.territory.models import Territory

NETWORK_NAME = "Netzwerk Qualitätsentwicklung"
SOURCE = (
    "Landeshauptstadt Dresden: Dresdner Netzwerk Qualitätsentwicklung in der "
    "Kindertagesbetreuung, https://www.dresden.de/de/leben/kinder/tagesbetreuung/"
    "qualitaetsinitiativen/netzwerk-qualitaetsentwicklung.php (abgerufen 20.11.2024); "
    "Mitglieder, Arbeitsgruppen, Tagesordnungen, Protokolle und Aufgaben sind erfunden."
)
DESCRIPTION = (
    "Im Januar 2021 gegründetes stadtweites, trägerübergreifendes Format der "
    "Qualitätsentwicklung in der Kindertagesbetreuung. Etwa 80 Mitglieder: Führungskräfte, "
    "Qualitätsbeauftragte, Inklusionsbeauftragte und Fachberatungen der Träger sowie "
    "Vertretungen der Programme „Aufwachsen in sozialer Verantwortung“, „Gemeinsam bildet“, "
    "„Willkommenskitas“, „Kinder stärken“ und „Sprach-Kitas“."
)
#: (number, day, hour, venue) as on the city's page ("Termine").
MEETINGS_2024 = [
    (2, dt.date(2024, 6, 14), 9, "Bürgerlabor"),
    (3, dt.date(2024, 9, 27), 9, "Rathaus, Plenarsaal"),
    (4, dt.date(2024, 11, 22), 9, "Rathaus, Plenarsaal"),
]
#: Synthetic agendas; the page's current topic (information and registration for children who
#: fled from Ukraine) is on the first.
AGENDAS = {
    2: "1. Begrüßung\n2. Aufnahme und Anmeldung geflüchteter Kinder aus der Ukraine: "
    "Informationen des Amtes\n3. Berichte aus den Programmen\n4. Arbeitsgruppen",
    3: "1. Begrüßung\n2. Inklusive Kindertagesbetreuung: Stand der Maßnahmen\n"
    "3. Sprachbildung nach dem Ende des Bundesprogramms Sprach-Kitas\n4. Arbeitsgruppen",
    4: "1. Begrüßung\n2. Rückblick 2024 und Planung 2025\n3. Berichte der Arbeitsgruppen\n"
    "4. Termine 2025",
}
MEMBER_COUNT = 80
FIRST_NAMES = [
    "Anja", "Birgit", "Claudia", "Doreen", "Elke", "Franziska", "Grit", "Heike", "Ines",
    "Jana", "Katrin", "Luise", "Maren", "Nadine", "Peggy", "Romy", "Sandra", "Tina", "Ulrike",
    "Yvonne", "Andreas", "Falk", "Jens", "Mirko", "Sven", "Thomas",
]  # fmt: skip
LAST_NAMES = [
    "Albrecht", "Bergmann", "Dietze", "Ehrlich", "Fiedler", "Göhler", "Hanke", "Junghans",
    "Kretzschmar", "Lindner", "Matthes", "Naumann", "Opitz", "Pietzsch", "Queck", "Rößler",
    "Seifert", "Thiele", "Uhlig", "Vogel", "Wünsche", "Zschoche",
]  # fmt: skip
ROLE_WEIGHTS = [
    (Member.LEADER, 30),
    (Member.QUALITY, 20),
    (Member.INCLUSION, 12),
    (Member.ADVISER, 12),
    (Member.PROGRAMME_REP, 6),
]
PROGRAMMES = [
    Member.SOCIAL_RESPONSIBILITY,
    Member.LEARNING_TOGETHER,
    Member.WELCOME,
    Member.STRONG_CHILDREN,
    Member.LANGUAGE,
]
#: Synthetic action items: (meeting number, text, due, measure participant short name).
ACTION_ITEMS = [
    (2, "Handzettel zur Anmeldung geflüchteter Kinder an alle Träger weitergeben",
     dt.date(2024, 7, 15), "Netzwerk QE"),
    (2, "Erfahrungen der Willkommenskitas für die AG Sprache zusammenstellen",
     dt.date(2024, 9, 20), ""),
    (3, "Stand der Inklusionsprofile je Stadtbezirk zum nächsten Treffen berichten",
     dt.date(2024, 11, 15), "Netzwerk QE"),
    (3, "Vorschlag für ein trägerübergreifendes Fortbildungsangebot Sprachbildung",
     dt.date(2025, 1, 31), "Fachberatungen"),
    (4, "Themen und Termine 2025 abstimmen", dt.date(2025, 1, 15), ""),
]  # fmt: skip


def _ascii(text: str) -> str:
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    return text.lower()


def _organisations(territory: Territory) -> dict[str, Organisation]:
    return {o.short_name: o for o in Organisation.objects.filter(territory=territory)}


def _measure(territory: Territory, participant: str, used: set[int]) -> Measure | None:
    if not participant:
        return None
    measure = (
        Measure.objects.filter(
            objective__field__plan__territory=territory, participants__short_name=participant
        )
        .exclude(pk__in=used)
        .order_by("objective__field__position", "objective__position", "position")
        .first()
    )
    if measure is not None:
        used.add(measure.pk)
    return measure


def create_demo_network() -> bool:
    """Create Dresden's quality network once (False if Dresden is missing or it exists)."""
    from kitaplan.web.core.access import SYSTEM

    territory = Territory.objects.filter(code="dresden").first()
    if territory is None or Network.objects.filter(territory=territory, name=NETWORK_NAME).exists():
        return False
    rng = random.Random(20_240_614)
    network = services.create_network(
        territory=territory,
        actor=SYSTEM,
        name=NETWORK_NAME,
        description=DESCRIPTION,
        organiser_name="Amt für Kindertagesbetreuung",
        organiser_email="netzwerk-qe@example.org",
        source=SOURCE,
    )
    organisations = _organisations(territory)
    facilities = list(Facility.objects.filter(territory=territory).order_by("pk")[:400])
    roles = [role for role, weight in ROLE_WEIGHTS for _ in range(weight)]
    rng.shuffle(roles)
    consent_day = timezone.make_aware(dt.datetime.combine(dt.date(2024, 3, 1), dt.time(10)))
    members: list[Member] = []
    for i in range(MEMBER_COUNT):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        role = roles[i % len(roles)]
        programme = rng.choice(PROGRAMMES) if role == Member.PROGRAMME_REP else ""
        if not programme and rng.random() < 0.25:
            programme = rng.choice(PROGRAMMES)
        if role == Member.ADVISER:
            org = organisations.get("Fachberatungen")
        elif i % 3 == 0:
            org = organisations.get("EBK")
        else:
            org = organisations.get("Freie Träger")
        facility = (
            rng.choice(facilities)
            if facilities and role in (Member.LEADER, Member.QUALITY)
            else None
        )
        members.append(
            services.add_member(
                network=network,
                actor=SYSTEM,
                name=f"{first} {last}",
                email=_ascii(f"{first}.{last}.{i + 1}@example.org"),
                role=role,
                programme=programme,
                organisation=org,
                facility=facility,
                consent_given=True,
                consent_given_at=consent_day + dt.timedelta(days=rng.randrange(60)),
            )
        )
    services.create_working_group(
        network=network,
        actor=SYSTEM,
        name="AG Inklusion",
        description="Inklusionsprofile und inklusive Kindertagesbetreuung (synthetisch)",
        members=[m for m in members if m.role == Member.INCLUSION][:10],
    )
    services.create_working_group(
        network=network,
        actor=SYSTEM,
        name="AG Sprache und Ankommen",
        description="Sprachbildung, Willkommenskitas, geflüchtete Kinder (synthetisch)",
        members=[m for m in members if m.programme in (Member.LANGUAGE, Member.WELCOME)],
    )
    used: set[int] = set()
    for number, day, hour, venue in MEETINGS_2024:
        start = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))
        meeting = services.create_meeting(
            network=network,
            actor=SYSTEM,
            title=f"{number}. Netzwerktreffen",
            start=start,
            end=start + dt.timedelta(hours=3),
            venue=venue,
            agenda=AGENDAS[number],
        )
        services.save_minutes(
            meeting=meeting,
            actor=SYSTEM,
            agenda=meeting.agenda,
            minutes=f"Protokoll des {number}. Netzwerktreffens (synthetisch): "
            "Die Tagesordnungspunkte wurden besprochen; Aufgaben siehe unten.",
        )
        statuses: dict[int, str] = {}
        for member in members:
            draw = rng.random()
            statuses[member.pk] = (
                Attendance.PRESENT
                if draw < 0.7
                else Attendance.EXCUSED
                if draw < 0.9
                else Attendance.ABSENT
            )
        services.record_attendance(meeting=meeting, actor=SYSTEM, statuses=statuses)
        for item_meeting, text, due, participant in ACTION_ITEMS:
            if item_meeting != number:
                continue
            services.add_action_item(
                meeting=meeting,
                actor=SYSTEM,
                text=text,
                owner=rng.choice(members),
                due=due,
                measure=_measure(territory, participant, used),
                status="done" if due < dt.date(2024, 12, 31) else "open",
            )
    return True
