"""Supplier analytics: a supplier's own figures (a paid plan's, everyone's when billing is off)."""
