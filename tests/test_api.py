"""The public API is documented and typed: numpydoc docstrings and complete type hints.

Walks every public function, class, method and property defined in the
package's modules (names without a leading underscore; members imported from
elsewhere are checked in their own module) and checks that

* it has a docstring whose first line is a one-line summary;
* a function or method that takes arguments has a numpydoc ``Parameters``
  section naming each of them, and one that returns something has ``Returns``;
* every exception class its body raises by name is listed under ``Raises``;
* every parameter and the return value are annotated.

Dataclass-generated methods (``__init__``, ``__eq__``, ...) and other dunder
methods are skipped; a dataclass documents its fields under ``Parameters`` in
the class docstring. ``nn.Module.forward`` overrides are checked like any
public method.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import re
import textwrap

import pytest

MODULES = ["aitac", "attributions", "book", "cache", "metrics", "plotting", "robustness", "sequences",
           "simulate", "targets", "validate", "weights", "model", "profiles", "paper", "motifs", "marginalize",
           "seqlets"]

SECTION = re.compile(r"^(\s*)([A-Z][a-z]+(?: [A-Z][a-z]+)?)\n\1(-+)$", re.M)


def _public_objects():
    """(qualified name, object, kind) for every public function, class, method and property."""
    out = []
    for short in MODULES:
        module = importlib.import_module(f"tism_tutorial.{short}")
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(obj):
                out.append((f"{module.__name__}.{name}", obj, "function"))
            elif inspect.isclass(obj):
                out.append((f"{module.__name__}.{name}", obj, "class"))
                for attr, member in vars(obj).items():
                    qual = f"{module.__name__}.{name}.{attr}"
                    if attr == "__init__" and inspect.isfunction(member) and not dataclasses.is_dataclass(obj):
                        out.append((qual, member, "init"))
                    elif attr.startswith("_"):
                        continue
                    elif isinstance(member, property):
                        out.append((qual, member.fget, "property"))
                    elif isinstance(member, (staticmethod, classmethod)):
                        out.append((qual, member.__func__, "function"))
                    elif inspect.isfunction(member):
                        out.append((qual, member, "method"))
    return out


OBJECTS = _public_objects()
IDS = [name for name, _, _ in OBJECTS]


def _sections(doc: str) -> dict[str, str]:
    """Numpydoc section title -> body, from a cleaned docstring."""
    found = list(SECTION.finditer(doc))
    out = {}
    for m, nxt in zip(found, found[1:] + [None]):
        out[m.group(2)] = doc[m.end():nxt.start() if nxt else len(doc)]
    return out


def _documented_names(body: str) -> set[str]:
    """Names listed in a Parameters section: ``a, b : type`` or a bare ``a``, at the section's indent."""
    names = set()
    for line in body.splitlines():
        if line and not line[0].isspace():
            head = line.split(" : ")[0]
            names.update(n.strip().lstrip("*") for n in head.split(","))
    return names


def _args(func) -> list[inspect.Parameter]:
    params = list(inspect.signature(func).parameters.values())
    return [p for p in params if p.name not in ("self", "cls")]


def _class_doc_owner(qual: str):
    """The class whose docstring documents an ``__init__``."""
    module, cls = qual.rsplit(".", 2)[:2]
    return getattr(importlib.import_module(module), cls)


def test_walk_finds_the_api():
    names = set(IDS)
    # a sample from every module kind: plain functions, classes, methods, properties
    for expected in ("tism_tutorial.attributions.tism", "tism_tutorial.model.Beluga.forward",
                     "tism_tutorial.weights.WeightsInfo.trained", "tism_tutorial.aitac.AITAC.__init__",
                     "tism_tutorial.simulate.SimulatedData.subset", "tism_tutorial.cache.main"):
        assert expected in names
    assert not any(n.rsplit(".", 1)[-1] in ("at_ref", "any_base") for n in names)


@pytest.mark.parametrize("qual, obj, kind", OBJECTS, ids=IDS)
def test_docstring_summary(qual, obj, kind):
    doc = inspect.getdoc(_class_doc_owner(qual) if kind == "init" else obj)
    assert doc, f"{qual} has no docstring"
    lines = doc.splitlines()
    assert lines[0].strip(), f"{qual}: the docstring does not start with a summary line"
    assert len(lines) == 1 or not lines[1].strip(), f"{qual}: the summary is not one line followed by a blank line"


@pytest.mark.parametrize("qual, obj, kind", [o for o in OBJECTS if o[2] != "class"],
                         ids=[n for n, _, k in OBJECTS if k != "class"])
def test_parameters_documented(qual, obj, kind):
    args = _args(obj)
    if kind == "property" or not args:
        return
    doc = inspect.getdoc(_class_doc_owner(qual) if kind == "init" else obj)
    sections = _sections(doc)
    assert "Parameters" in sections, f"{qual} takes {[a.name for a in args]} but has no Parameters section"
    documented = _documented_names(sections["Parameters"])
    missing = [a.name for a in args if a.name not in documented]
    assert not missing, f"{qual}: parameters {missing} are not in its Parameters section"


@pytest.mark.parametrize("qual, obj, kind", [o for o in OBJECTS if o[2] in ("function", "method")],
                         ids=[n for n, _, k in OBJECTS if k in ("function", "method")])
def test_returns_documented(qual, obj, kind):
    ret = inspect.signature(obj).return_annotation
    if ret in (None, "None"):
        return
    assert {"Returns", "Yields"} & set(_sections(inspect.getdoc(obj))), f"{qual} returns {ret} but has no Returns"


@pytest.mark.parametrize("qual, obj, kind", [o for o in OBJECTS if o[2] != "class"],
                         ids=[n for n, _, k in OBJECTS if k != "class"])
def test_raised_exceptions_documented(qual, obj, kind):
    source = textwrap.dedent(inspect.getsource(obj))
    raised = set(re.findall(r"^\s*raise ([A-Z]\w*)\(", source, re.M))
    if not raised:
        return
    doc = inspect.getdoc(_class_doc_owner(qual) if kind == "init" else obj)
    section = _sections(doc).get("Raises", "")
    listed = set(re.findall(r"^([A-Z]\w*)", section, re.M))
    missing = raised - listed
    assert not missing, f"{qual} raises {sorted(missing)} without listing them under Raises"


@pytest.mark.parametrize("qual, obj, kind", [o for o in OBJECTS if o[2] != "class"],
                         ids=[n for n, _, k in OBJECTS if k != "class"])
def test_type_hints(qual, obj, kind):
    sig = inspect.signature(obj)
    missing = [p.name for p in _args(obj) if p.annotation is inspect.Parameter.empty]
    assert not missing, f"{qual}: parameters {missing} have no type annotation"
    assert sig.return_annotation is not inspect.Signature.empty, f"{qual}: the return value is not annotated"


def test_dataclasses_document_their_fields():
    for qual, obj, kind in OBJECTS:
        if kind == "class" and dataclasses.is_dataclass(obj):
            documented = _documented_names(_sections(inspect.getdoc(obj)).get("Parameters", ""))
            missing = [f.name for f in dataclasses.fields(obj) if f.name not in documented]
            assert not missing, f"{qual}: fields {missing} are not in its Parameters section"
