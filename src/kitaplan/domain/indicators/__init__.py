"""Indicators of the social situation of areas, and composite indices built from them."""
