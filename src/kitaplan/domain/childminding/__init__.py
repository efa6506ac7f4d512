"""Kindertagespflege (childminding): monthly payments, capacity per time slot, substitutes.

Import from the submodules (``payments``, ``capacity``, ``substitutes``); see
docs/domain/childminding.md.
"""
