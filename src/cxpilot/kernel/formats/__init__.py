"""One way to write dates and times per language (``FORMAT_MODULE_PATH``): a day as
``3 Nov 2025`` / ``3 nov. 2025``, a time on the 24-hour clock with two digits (``08:52``),
in every page, whichever filter a template uses."""
