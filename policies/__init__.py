"""natpolicy rules: one check per file, its documentation beside it."""
