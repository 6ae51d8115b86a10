"""The Terraform configuration loader: ``.tf``/``.tofu``/``.tfvars`` files and folders, read by ``loaders.hcl``.

All roots are read in one go at ``finish`` (they share one parse cache and
budget). In a git repository the base revision is loaded too
(``natpolicy.loaders.gitdiff``), to show what the change deletes.
"""
from __future__ import annotations

from pathlib import Path

from natpolicy.loaders.classify import Classified
from natpolicy.loaders.contract import LoadRequest, LoadResult
from natpolicy.loaders.paths import display_path
from natpolicy.progress import Progress

__all__ = ["HclLoader"]


class HclLoader:
    """Terraform roots (files or folders) and folders of roots."""

    def __init__(self, request: LoadRequest) -> None:
        self.request = request
        self.paths: list[Path] = []

    def add(self, item: Classified) -> None:
        self.paths.append(Path(item.path))

    def finish(self) -> LoadResult:
        from natpolicy.loaders.gitdiff import load_compared
        from natpolicy.loaders.hcl.remote_modules import ModuleOptions
        from natpolicy.loaders.hcl.var_flags import parse_var_flags

        request, paths = self.request, self.paths
        progress = request.progress or Progress(enabled=False, label="")
        variables = parse_var_flags(request.variables)
        var_files = [Path(f) for f in request.var_files]
        modules = ModuleOptions(download=request.download_modules, require=request.require_modules)
        # In a git repository the base revision shows what the configuration deletes.
        shown = ", ".join(display_path(str(p)) for p in paths[:3]) + (", ..." if len(paths) > 3 else "")
        with progress.step(f"reading the Terraform code in {shown}"):
            result = load_compared(paths, base=request.diff_base, staged=request.staged, variables=variables,
                                   var_files=var_files, display_root=request.display_root, modules=modules)
            if result is None:  # outside git; the parser's stack is imported only when something is evaluated
                from natpolicy.loaders.hcl.loader import load_hcl

                result = load_hcl(paths, variables=variables, var_files=var_files, display_root=request.display_root,
                                  modules=modules)
        # Folders of Terraform code below a checked root that nothing checked (examples/*, modules/*).
        # Not in pre-commit: the hook checks the roots a commit touches, on purpose.
        from natpolicy.invocation import in_precommit

        if not in_precommit():
            from natpolicy.loaders.paths import has_terraform_files
            from natpolicy.loaders.skipped import unchecked_note

            note = unchecked_note([p for p in paths if p.is_dir() and has_terraform_files(p)])
            if note:
                result.notes.append(note)
        return result
