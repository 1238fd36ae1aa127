"""Billing's admin: the call store (``calls``), and the admin of capture's and rating's
models whose actions reach the pipeline or the calls (``sources``: parsing records again;
``rate_plans``: a deck import counts the calls it leaves out; ``directory``: the
directory import, whose dated moves charge calls to the new department)."""

from . import calls, directory, fixed_charges, rate_plans, sources  # noqa: F401  (each registers its models)
