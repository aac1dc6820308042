"""Surveys, their questions and translations, fatigue rules, public keys."""

__all__: list[str] = []
