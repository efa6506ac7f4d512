"""Column mappings of the operational import kinds, one module per kind or topic.

The mappings of the territorial data (areas, population, indicators, providers, facilities,
grid) are declared in :mod:`kitaplan.exchange.mappings`. The operational records (applications,
childminders, care contracts, network members, courses, attendance, a measures plan, targets,
care rates, the address register, area groups) are declared here, each module exporting a tuple
``MAPPINGS`` whose first element is the standard ``kitaplan-<kind>`` mapping. The web app that
stores a kind registers its mappings with its persister in ``kitaplan.web.imports.registry``;
this package stays free of Django like the rest of ``kitaplan.exchange``.
"""
