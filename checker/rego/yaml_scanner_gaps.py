"""Where go-yaml's scanner and libyaml's (PyYAML's) part ways.

go-yaml is a Go port of an older libyaml; natpolicy composes YAML with PyYAML over libyaml 0.2.5, so the two
scanners are read side by side (go-yaml ``scannerc.go`` ``yaml_parser_scan_plain_scalar`` and
``yaml_parser_scan_tag_uri``, v2 and v3; libyaml ``scanner.c``). Two rules differ. For a ``# METADATA`` block
(go-yaml v3, ``metadata_yaml``):

* A plain scalar inside a flow collection: go-yaml v3 ends it at any ``?`` after its first character and then
  reads that ``?`` as a key indicator, which no flow collection takes after a node ("did not find expected ','
  or ']'"): OPA refuses the block; libyaml 0.2.5 reads the ``?`` as part of the scalar (libyaml #105). The v3
  readers of every OPA go.mod read hold this rule: ``gopkg.in/yaml.v3`` v3.0.1 (imported by ``ast/parser.go``)
  and ``go.yaml.in/yaml/v3`` v3.0.4 (the newest go.mod read; a vendored v3.0.x copy's scanner is v3.0.1's).
  yaml/go-yaml's main line (v4, yaml/go-yaml#49) ends the scalar at a ``?`` before a blank only; no OPA go.mod
  read pins it (docs/rego.md says which were read).
* A tag's characters: go-yaml takes ``,``, ``[`` and ``]`` into a tag (``!x,y``), libyaml 0.2.5 ends the tag before
  them ("flow indicators can not be part of local tags"), so the two read another structure (``[!x, y]`` is
  ``["y"]`` to go-yaml, ``["", "y"]`` to libyaml) or only one refuses the text; natpolicy refuses it and says so.

Each is a ``MetadataProblem`` raised before the block is composed; anything else is left to ``metadata_yaml``.

For conftest's inputs, ``--data`` and ``yaml.unmarshal`` (go-yaml v2 through sigs.k8s.io/yaml, ``documents``), v2
ends a flow collection's plain scalar at every ``?`` (no release changed it), so any ``?`` after its first character
refuses the file there (:func:`v2_question_mark`), and a tag followed by ``,`` ``[`` ``]`` runs on as in v3
(:func:`tag_runs_on`).
"""
from __future__ import annotations

import re

import yaml

__all__ = ["scanner_gaps", "tag_runs_on", "v2_question_mark"]

_TAG_ONLY_IN_GO = frozenset(",[]")
# libyaml 0.2.5's tag characters (yaml_parser_scan_tag_uri outside `!<...>`): go-yaml's add `,`, `[` and `]`.
_LIBYAML_TAG = re.compile(r"[0-9A-Za-z_\-;/?:@&=+$.!~*'()%]*")


class _Scanner(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Tokens only: the block is composed by metadata_yaml."""


def scanner_gaps(text: str, problem: type[Exception]) -> None:
    """Raise ``problem`` (one line) where go-yaml v3's scanner reads ``text`` otherwise than libyaml's."""
    if "?" not in text and "!" not in text:
        return
    scanner = _Scanner(text)
    flow = 0
    try:
        while scanner.check_token():
            token = scanner.get_token()
            if isinstance(token, (yaml.FlowSequenceStartToken, yaml.FlowMappingStartToken)):
                flow += 1
            elif isinstance(token, (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken)):
                flow -= 1
            elif isinstance(token, yaml.ScalarToken) and token.plain and flow:
                _question_marks(text, token.start_mark.index, token.end_mark.index, problem)
            elif isinstance(token, yaml.TagToken) and not text.startswith("!<", token.start_mark.index):
                _tag_end(text, token.end_mark.index, problem)
    except yaml.MarkedYAMLError as exc:
        # libyaml refuses a tag followed by `,` `[` `]` outside a flow collection ("did not find expected whitespace
        # or line break"), where go-yaml reads on into the tag; any other error is metadata_yaml's to word.
        mark = exc.problem_mark
        if mark is not None and (exc.context or "").startswith("while scanning a tag"):
            _tag_end(text, mark.index, problem)
    finally:
        scanner.dispose()


def _question_marks(text: str, start: int, end: int, problem: type[Exception]) -> None:
    # a `?` first is a key indicator to both; any later one ends the scalar in go-yaml v3 (v3.0.1 and v3.0.4 alike)
    if "?" in text[start + 1:end]:
        raise problem("its YAML does not parse for OPA's YAML reader: go-yaml v3 ends a plain scalar in a flow "
                      "collection at `?` and reads that `?` as a key indicator (did not find expected ',' or a "
                      "closing bracket), where libyaml reads it into the scalar: quote the scalar")


def _tag_end(text: str, end: int, problem: type[Exception]) -> None:
    if end < len(text) and text[end] in _TAG_ONLY_IN_GO:
        raise problem(f"its YAML has a tag followed by `{text[end]}`, which go-yaml v3 (OPA's YAML reader) reads as "
                      "part of the tag and libyaml as its end, so they read another structure; natpolicy refuses "
                      "it: put a space after the tag, or quote the scalar")


def v2_question_mark(value: str) -> str | None:
    """Why go-yaml v2 refuses a plain scalar of a flow collection whose value is ``value``, or None."""
    if "?" not in value[1:]:
        return None
    return ("a plain scalar in a flow collection holds `?`, where conftest's go-yaml v2 ends the scalar and reads a "
            "key indicator (did not find expected ',' or a closing bracket), so conftest refuses the file; quote it")


def tag_runs_on(text: str, start: int) -> str | None:
    """Why go-yaml reads the tag at ``text[start]`` (``!...``) otherwise than libyaml, or None."""
    if not text.startswith("!", start) or text.startswith("!<", start):
        return None
    end = _LIBYAML_TAG.match(text, start + 1)
    after = text[end.end()] if end is not None and end.end() < len(text) else ""
    if after and after in _TAG_ONLY_IN_GO:
        return (f"a YAML tag followed by `{after}`, which go-yaml reads as part of the tag and libyaml as its end, "
                "so they read another structure; put a space after the tag")
    return None
