"""Sozialraum-Monitoring: composite indices of areas and their agreement with published classes."""
