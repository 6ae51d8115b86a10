"""Rego v1 twins of the built-in rules (package data; DIFFERENCES.md here says where they differ)."""
