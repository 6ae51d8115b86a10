"""Checkov checks NATPOLICY_EBS001..EBS005: EBS volumes that will not be encrypted.

Covers ``aws_ebs_volume``, ``aws_instance``, ``aws_launch_template`` (which
Checkov has no check for), ``aws_launch_configuration`` and
``aws_ebs_encryption_by_default``. A Checkov check sees one resource, so the
account's default encryption is unknown here: a volume that does not set
``encrypted`` is judged as if the default were off. ``natpolicy check`` on the
whole plan takes the default into account.
"""
from natpolicy.checkov_adapter import make_checks

checks = make_checks("EBS")
