"""Customers: one person across every source (record linkage, later persons and golden
records)."""
