"""Rules of the SG family."""
