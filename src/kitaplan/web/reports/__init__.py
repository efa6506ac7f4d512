"""Reports that combine several capabilities (the yearly report of the Tagespflege)."""
