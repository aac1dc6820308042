"""The customer whole: one person's 360 (their golden record, source records, timeline of
interactions, answers and purchases, open cases) and the right to erasure across both stores.
It reads several domains, so it sits above them all."""
