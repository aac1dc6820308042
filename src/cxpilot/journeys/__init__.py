"""Journeys from data: paths, drop-offs, moments of truth, target journeys, the journey map."""
