"""Inclusion (de: Inklusion): whether a facility meets its territory's inclusion checklist
(``checklist``) and the rules of the resource pool (``pool``).

Import from the submodules.
"""
