"""Generators of realistic PBX call records, one module per PBX family.

They are pure and deterministic (seeded): the demo data, the benchmarks, the tests and
the PBX simulator all draw on them, and every record they yield parses with the
family's parser.
"""
