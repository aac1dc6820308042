"""The monthly executive board: the CX KPIs of a month against targets, with the efforts made."""
