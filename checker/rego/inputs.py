"""What user policies (``--policy``) read: every input as conftest would hand it over.

* a Terraform plan: the plan JSON as Terraform wrote it (the built-in twins read these only);
* a YAML file, or a JSON file that is no plan (state, Kubernetes, anything):
  the document itself. The built-in rules skip it, with a note; without
  ``--policy`` it is an error naming what natpolicy reads;
* a ``.tf``/``.tofu``/``.tfvars`` file or a Terraform folder: each file in
  conftest's HCL JSON shape (``natpolicy.rego.hcl_json``), while the built-in
  rules read the same code through natpolicy's own loader;
* a file whose top is a list (and each document of a multi-document YAML
  file) is evaluated element by element, as conftest does; with
  ``--combine`` every input becomes one document instead, a list of
  ``{"path": ..., "contents": ...}`` per unit, sorted by path (conftest's ``CombineConfigurations``).
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from natpolicy.errors import InputError, UsageError
from natpolicy.records import field, record, replace

if TYPE_CHECKING:
    from natpolicy.rego.plan_bytes import PlanRead

__all__ = ["Document", "SetAside", "set_aside", "refuse_documents", "configuration_documents", "COMBINED"]

# The origin of the --combine document: conftest's file name for it.
COMBINED = "Combined"


@record(frozen=True)
class Document:
    origin: str  # display path
    value: Any  # the file as conftest sees it (a multi-document YAML file: the list of its documents)
    plan: bool = False  # a Terraform plan
    # A plan as read (plan_bytes.PlanRead): its text, UTF-8 and sections, below. ``value`` is then None until
    # something needs the plan as Python values (see ``parsed``).
    read: PlanRead | None = field(default=None, compare=False, repr=False)

    @property
    def text(self) -> str | None:
        """A plan's JSON text as Terraform wrote it (decoded as the loader decodes it), unparsed: what the engine
        reads. Decoded when first read (plan_bytes.PlanRead.text): a plain plan's run sends ``utf8`` instead."""
        return self.read.text if self.read is not None else None

    @property
    def utf8(self) -> bytes | None:
        """``text`` encoded as UTF-8, when known already (plan_bytes.PlanRead.utf8)."""
        return self.read.utf8 if self.read is not None else None

    @property
    def sections(self) -> dict[str, Any] | None:
        """Its top-level keys' raw values (plan_bytes.PlanRead.sections): the engine may be sent only some."""
        return self.read.sections if self.read is not None else None

    @cached_property
    def parsed(self) -> Any:
        """The document as Python values: ``value``, or the plan text parsed (only --combine and data.natpolicy)."""
        if self.text is None:
            return self.value
        from natpolicy.rego.input_json import parse_input_json

        return parse_input_json(self.text, self.origin)


@record
class SetAside:
    """The command line's paths split between the loaders and the user policies alone."""

    loader_paths: list[str] = field(default_factory=list)
    documents: dict[str, list[Document]] = field(default_factory=dict)  # path -> what only policies read
    # Plan file (keyed as the plan loader names its targets, as ``plan_bytes``) -> its JSON text and what the
    # check of it found, read once here for Rego.
    plans: dict[str, PlanRead] = field(default_factory=dict)
    # The same plan files' bytes (keyed as the plan loader names its targets), handed to the plan
    # loader so that it does not read the file a second time; it takes each out as it reads it.
    plan_bytes: dict[str, bytes] = field(default_factory=dict)
    # Their top-level keys' raw values, where the plan check read them (plan_bytes.PlanRead.sections), handed on
    # beside the bytes: the plan loader decodes the sections it reads from these (plan_fast.decode).
    plan_sections: dict[str, dict[str, Any]] = field(default_factory=dict)


def set_aside(paths: Sequence[str], *, staged: bool) -> SetAside:
    """Keep YAML and non-plan JSON files from the loaders (which read plans and code) for the policies."""
    from natpolicy.loaders.classify import InputKind, classify
    from natpolicy.loaders.paths import display_path
    from natpolicy.loaders.plan_json import check_is_plan
    from natpolicy.loaders.plan_text import read_bytes
    from natpolicy.rego.documents import is_yaml, read_documents
    from natpolicy.rego.input_json import parse_input_json
    from natpolicy.rego.plan_bytes import read_plan

    out = SetAside()
    for path in paths:
        item = classify(path, staged=staged)
        if item.kind is not InputKind.PLAN:
            out.loader_paths.append(path)
            continue
        shown = display_path(path)
        if is_yaml(path):
            docs = read_documents(path, shown)
            out.documents[path] = [Document(shown, docs[0] if len(docs) == 1 else docs)]
            continue
        try:
            data = read_bytes(path)
            read = read_plan(data, shown)  # checked as JSON, not built: the plan loader builds its own copy
            if read.head is not None:
                try:
                    check_is_plan(read.head, shown)
                except InputError:
                    read = replace(read, document=parse_input_json(read.text, shown))  # no plan: the policies read it
        except InputError:
            out.loader_paths.append(path)  # not JSON at all: the plan loader says what is wrong, as always
            continue
        if read.document is not None:
            try:
                check_is_plan(read.document, shown)
            except InputError:
                if not _plan_shaped(read.document):
                    out.documents[path] = [Document(shown, read.document)]
                    continue
                # A plan with a broken section: the plan loader reports it (exit 2), as without --policy.
        [target] = item.targets
        out.plans[target] = read
        out.plan_bytes[target] = data
        if read.sections is not None:
            out.plan_sections[target] = read.sections
        out.loader_paths.append(path)
    return out


def _plan_shaped(doc: Any) -> bool:
    """Does ``doc`` carry a plan's own sections (then a problem in them is the plan's error, not a document)?"""
    return isinstance(doc, dict) and any(k in doc for k in ("resource_changes", "planned_values", "resource_drift",
                                                            "output_changes"))


def refuse_documents(paths: Sequence[str]) -> None:
    """Without ``--policy``, a YAML input is refused naming what natpolicy reads (not "malformed JSON")."""
    from natpolicy.loaders.paths import display_path
    from natpolicy.rego.documents import is_yaml

    for path in paths:
        if is_yaml(path) and Path(path).is_file():
            raise UsageError(f"{display_path(path)}: a YAML file is read only by --policy Rego policies (as conftest "
                             "reads it); natpolicy's built-in rules read Terraform plan JSON and Terraform code")


def set_aside_notes(aside: SetAside) -> list[str]:
    return [f"{doc.origin}: not a Terraform plan or Terraform code, so only the --policy Rego policies read it "
            "(the built-in rules skip it)" for docs in aside.documents.values() for doc in docs]


def configuration_documents(path: str) -> list[Document]:
    """Every Terraform file of ``path`` (a file, a root, or a folder of roots) in conftest's HCL JSON shape."""
    from natpolicy.loaders.hcl.files import FileSource
    from natpolicy.loaders.hcl.loader import find_roots
    from natpolicy.loaders.hcl.parse import parse_text
    from natpolicy.loaders.paths import display_path, repository_top
    from natpolicy.rego.hcl_json import to_conftest_json

    target = Path(path)
    folder = target if target.is_dir() else target.parent
    files = FileSource(cache=None, boundary=[repository_top(folder) or folder])
    if target.is_dir():
        chosen = [f for root in find_roots(target) for f in files.config_files(root)]
    else:
        chosen = [target]
    out: list[Document] = []
    for file in chosen:
        shown = display_path(str(file))
        text = files.read(file)
        # With every node's source offsets: conftest's shape quotes each expression's text ("${var.region}").
        parsed = None if text is None else parse_text(text, shown, offsets=True)
        if text is None or parsed is None or parsed.body is None:
            # The HCL loader reads the same file for the built-in rules and reports
            # its syntax error (exit 2, or a note with --skip-invalid).
            continue
        out.append(Document(shown, to_conftest_json(parsed.body, text, shown)))
    return out


def evaluation_units(documents: Sequence[Document]) -> list[tuple[Document, Any]]:
    """(document, input) pairs, in order: a list is evaluated element by element, as conftest does."""
    units: list[tuple[Document, Any]] = []
    for doc in documents:
        if not doc.plan and isinstance(doc.value, list):
            units.extend((doc, element) for element in doc.value)
        else:
            units.append((doc, doc.value))  # a plan read as text: None (its text is the input)
    return units


def combined(documents: Sequence[Document]) -> list[dict[str, Any]]:
    """conftest's ``--combine`` input, ``[{"path": ..., "contents": ...}, ...]``, as ``CombineConfigurations`` makes it.

    As in conftest's parser/parser.go: one entry per evaluation unit (a list
    file's elements, a multi-document YAML file's documents, each under the
    file's path), sorted stably by path, not in command-line order.
    """
    entries = [{"path": doc.origin, "contents": value}
               for doc in documents
               for value in (doc.value if not doc.plan and isinstance(doc.value, list) else [doc.parsed])]
    return sorted(entries, key=lambda entry: entry["path"])


def policy_documents(paths: Sequence[str], aside: SetAside | None, *, twins: bool, staged: bool,
                     stdin: bytes | None) -> list[Document]:
    """Every input of the run in command-line order: plans, and (for user policies) everything else."""
    from natpolicy.loaders.classify import InputKind, classify
    from natpolicy.loaders.paths import display_path

    out: list[Document] = []
    for path in paths:
        if aside is not None and path in aside.documents:
            out.extend(aside.documents[path])
            continue
        item = classify(path, staged=True)  # staged: a Terraform file is code by its name alone
        if item.kind is InputKind.STDIN:
            read = _stdin_plan(stdin)
            out.append(Document("<stdin>", None, plan=True, read=read))
        elif item.kind.is_plan:
            for target in item.plans:
                shown = display_path(str(target))
                known = aside.plans.get(str(target)) if aside is not None else None
                read = known if known is not None else _read_plan(str(target))
                out.append(Document(shown, None, plan=True, read=read))
        elif twins or aside is None:
            # HCL mode has no plan JSON for the built-in twins; say so rather than skip it.
            raise UsageError(f"{path}: --engine rego reads Terraform plan JSON, and this is Terraform "
                             "configuration; run it on `terraform show -json plan.out` output (--policy "
                             "policies read .tf files in conftest's HCL JSON shape)")
        elif staged:
            raise UsageError(f"{path}: --policy reads .tf files from the work tree, not the staged (git index) "
                             "content the pre-commit hook checks; run natpolicy check --policy outside the hook")
        else:
            out.extend(configuration_documents(path))
    return out


def _stdin_plan(data: bytes | None) -> PlanRead:
    from natpolicy.rego.plan_bytes import read_plan

    if data is None:
        raise InputError("<stdin>", "the plan from stdin is no longer available for Rego")
    return read_plan(data, "<stdin>")


def _read_plan(path: str) -> PlanRead:
    from natpolicy.rego.plan_bytes import read_plan_file

    # Errors name the path as given, as the reference loader's load_document did.
    return read_plan_file(path, path)
