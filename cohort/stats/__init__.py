"""Pure statistics with no youth-justice knowledge (intervals, funnels, survival, matching)."""

__all__: list[str] = []
