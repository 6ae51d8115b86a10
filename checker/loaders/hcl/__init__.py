"""Terraform configuration (HCL) input: parse, evaluate statically, build resources.

``load_hcl`` in :mod:`natpolicy.loaders.hcl.loader` is the entry point; it returns the
same ``Resource`` objects the plan loader builds, so every check runs
unchanged on code that has never been planned.
"""
