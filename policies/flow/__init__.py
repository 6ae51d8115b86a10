"""Rules of the FLOW family."""
