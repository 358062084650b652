"""Graph functions of the norm family."""

__all__: list[str] = []
