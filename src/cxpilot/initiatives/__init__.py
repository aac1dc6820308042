"""Initiatives: the CX actions, their backlog, their measured effect and their return."""
