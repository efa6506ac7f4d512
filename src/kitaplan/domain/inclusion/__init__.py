"""Inclusion (de: Inklusion): whether a facility meets its territory's inclusion checklist.

Import from the submodule ``checklist``.
"""
