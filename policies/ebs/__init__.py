"""Rules of the EBS family."""
