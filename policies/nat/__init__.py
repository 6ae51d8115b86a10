"""Rules of the NAT family."""
