"""The input side of natpolicy: what the paths given to it are, and reading them into resources.

* ``paths``: path helpers and the Terraform file suffixes (a leaf);
* ``classify``: the one path classifier, used by every engine, the hook and the Action;
* ``contract`` and ``result``: the ``Loader`` contract, the ``LoadResult`` every loader
  gives, and the loader registry keyed by what the classifier says;
* ``inputs``: the dispatcher (paths -> ``ResourceModel``);
* ``plan_loader`` (with ``plan_json``, ``plan_text``, ``plan_shapes``, ``references``):
  Terraform plan JSON;
* ``hcl_input`` (with ``gitdiff``, ``gitrepo``, ``deletions``): Terraform configuration,
  compared with a git revision where there is one;
* ``sourcemap``: plan resources pointed at their ``.tf`` blocks;
* ``modsource``: module sources, parsed and resolved (not wired in yet).

``hcl``: the HCL reader (parser with line numbers, evaluator, Terraform
functions, modules); ``hcl_input`` is its loader.

Kept free of imports: importing any module of the package runs this file,
and a plan-only run must not pay for the HCL stack.
"""
