"""``natpolicy check --live``: read-only evidence from the AWS account about NAT gateways the plan deletes.

A plan knows only what its own state manages. Before a gateway goes, this
package asks the live account which route tables still target it (NAT004
when one outside the plan does), what network interfaces sit in the subnets
behind it (other accounts' interfaces mean a shared VPC) and how much
traffic it carried over the last week.

Nothing here is imported by a run without ``--live``: boto3 is an optional
extra (``natpolicy[aws]``) and is imported only inside :mod:`natpolicy.live.aws`.

* ``calls``: the one list of AWS API calls the code may make (and the IAM policy derived from it);
* ``targets``: which gateways to look at, and in which region;
* ``aws``: the boto3 side (timeouts, adaptive retries, pagination, assumed roles);
* ``evidence``: what was found, as plain records, and how it is worded;
* ``gather``: runs the reads and turns failures into notes;
* ``enrich``: puts the evidence into the findings.
"""
