"""Kindertagespflege (childminding): monthly payments, capacity per time slot, substitutes,
qualification.

Import from the submodules (``payments``, ``capacity``, ``substitutes``, ``qualification``); see
docs/domain/childminding.md.
"""
