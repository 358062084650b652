"""Graph functions of the movement family."""

__all__: list[str] = []
