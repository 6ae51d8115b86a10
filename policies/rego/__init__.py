"""Rego v1 twins of the built-in rules (package data; see README.md here)."""
