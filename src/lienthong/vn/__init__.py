"""Vietnam reference knowledge: pure, typed functions with no I/O at call time.

- :mod:`lienthong.vn.ids` — identifiers (personal number, CMND, tax code, plates, passports, parcels)
- :mod:`lienthong.vn.units` — administrative units before and after 1 July 2025, and the crosswalk
- :mod:`lienthong.vn.text` — NFC, tone marks, folding, legacy encodings, dates
- :mod:`lienthong.vn.names` — splitting and matching keys for Vietnamese personal names
"""
