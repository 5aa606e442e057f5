"""Consolidation: read a province's legacy system, repair it, link it to the registries, merge it.

The steps, each in its own module: ``readers`` stream rows out of CSV, XLSX, DBF and SQL
sources; ``profile`` says what each column holds; ``mapping`` and ``repair`` turn a legacy
row into the linkage fields of a registry record type (``specs``); ``engine`` links them to
the registry with Splink; ``service`` keeps the run, its review queue, and merges the
outcome through the normal write path with provenance; ``report`` says how far the legacy
system is from being switched off.
"""
