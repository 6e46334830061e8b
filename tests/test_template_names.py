"""No shared template name can hide a page's own variable.

A name a layout defines at its top level (a `{% set %}`, an import or a macro) is visible in
every block of every page that extends it, and it wins over the variables the view passed:
the admin's site page once showed an empty "Add a site" form because base.html set `site`.
Names from context processors and Jinja globals lose to the view's, so a page passing one of
them breaks the layout instead. These tests read the templates and the views' calls, so a new
clash fails here before it reaches a page.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from flask import Flask
from jinja2 import nodes

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
PACKAGE = ROOT / "supermarket"

# Nodes whose body has its own scope: names set inside do not reach the template's blocks.
_SCOPED = (
    nodes.Block,
    nodes.Macro,
    nodes.CallBlock,
    nodes.With,
    nodes.For,
    nodes.Scope,
    nodes.OverlayScope,
    nodes.FilterBlock,
)


def _parse(app: Flask, name: str) -> nodes.Template:
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    return app.jinja_env.parse(source, name=name)


def _top_level_names(node: nodes.Node) -> set[str]:
    """Names a template defines in its top scope (its blocks, and its children's, see them)."""
    found: set[str] = set()
    for child in node.iter_child_nodes():
        if isinstance(child, nodes.Macro):
            found.add(child.name)
        if isinstance(child, _SCOPED):
            continue
        if isinstance(child, nodes.Assign | nodes.AssignBlock):
            targets = [child.target, *child.target.find_all(nodes.Name)]
            found |= {n.name for n in targets if isinstance(n, nodes.Name)}
        elif isinstance(child, nodes.FromImport):
            found |= {n if isinstance(n, str) else n[1] for n in child.names}
        elif isinstance(child, nodes.Import):
            found.add(child.target)
        found |= _top_level_names(child)
    return found


def _parent(tree: nodes.Template) -> str | None:
    extends = next(iter(tree.find_all(nodes.Extends)), None)
    if extends is None or not isinstance(extends.template, nodes.Const):
        return None
    return str(extends.template.value)


def _all_templates() -> list[str]:
    return sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html"))


def _layouts(app: Flask) -> set[str]:
    return {
        parent for name in _all_templates() if (parent := _parent(_parse(app, name))) is not None
    }


def _passed_names() -> dict[str, set[str]]:
    """For each template a view renders, the names of the variables the view passes it."""
    passed: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(call, ast.Call):
                continue
            func = call.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name != "render_template" or not call.args:
                continue
            first = call.args[0]
            template = first.value if isinstance(first, ast.Constant) else "*"
            passed[str(template)] |= {kw.arg for kw in call.keywords if kw.arg}
    return passed


def test_layouts_define_no_name_that_reaches_the_pages(app):
    layouts = _layouts(app)
    assert "base.html" in layouts
    leaking = {name: _top_level_names(_parse(app, name)) for name in sorted(layouts)}
    assert leaking == {name: set() for name in sorted(layouts)}, (
        "A layout's top-level {% set %}, import or macro hides the pages' own variables; "
        "use {% with %} or a block-local name."
    )


def test_no_view_passes_a_name_its_page_or_layout_defines(app):
    clashes = {}
    for template, names in _passed_names().items():
        if template == "*" or not (TEMPLATES / template).exists():
            continue
        defined: set[str] = set()
        current: str | None = template
        while current is not None:
            tree = _parse(app, current)
            defined |= _top_level_names(tree)
            current = _parent(tree)
        if names & defined:
            clashes[template] = sorted(names & defined)
    assert clashes == {}


def test_no_view_passes_a_name_the_context_processors_or_globals_provide(app):
    provided = set(app.jinja_env.globals)
    with app.test_request_context("/"):
        for processors in app.template_context_processors.values():
            for processor in processors:
                provided |= set(processor())
    assert {"current_site", "nav_items", "current_user", "csrf_token"} <= provided
    clashes = {
        template: sorted(names & provided)
        for template, names in _passed_names().items()
        if names & provided
    }
    assert clashes == {}


def test_the_checks_see_a_leaking_layout(app):
    tree = app.jinja_env.parse(
        "{% set site = 1 %}{% if x %}{% set hidden = 2 %}{% endif %}"
        "{% with fine = 3 %}{% endwith %}{% from 'm' import field as f %}"
        "{% block content %}{% set local = 4 %}{% endblock %}"
    )
    assert _top_level_names(tree) == {"site", "hidden", "f"}
