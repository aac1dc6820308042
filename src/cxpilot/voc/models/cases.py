"""Follow-up cases (closing the loop) and alerts on significant drops."""

__all__: list[str] = []
