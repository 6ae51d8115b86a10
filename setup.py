"""Package discovery for the two source roots that install as `natpolicy`.

pyproject.toml holds all metadata; this file only computes the package list,
because setuptools' automatic discovery cannot rename `checker` and `policies`.
"""
from setuptools import find_packages, setup


def _packages() -> list[str]:
    engine = [f"natpolicy.{name}" for name in find_packages("checker")]
    rules = [f"natpolicy.policies.{name}" for name in find_packages("policies")]
    return ["natpolicy", *engine, "natpolicy.policies", *rules]


setup(packages=_packages())
