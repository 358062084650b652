"""Eager conv ops: numpy in, numpy out."""

__all__: list[str] = []
