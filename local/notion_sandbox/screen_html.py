"""The sandbox screen's HTML: Jinja templates with autoescaping on, so workspace text shows as text.

Plain server-rendered forms, no script; rows as a list that wraps on a 390 px phone.
"""

from __future__ import annotations

import re
from typing import Any

import jinja2
from markupsafe import Markup, escape

STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #1a1a1a; background: #fff; }
main, header { max-width: 52rem; margin: 0 auto; padding: 0.75rem 1rem; }
header { border-bottom: 1px solid #ccc; display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: end; }
a { color: #0b57d0; } * { box-sizing: border-box; overflow-wrap: anywhere; }
textarea, input[type=text], input[type=date], input[type=number], select { width: 100%; font: inherit; }
textarea { min-height: 4rem; } fieldset { border: 1px solid #ccc; margin: 0 0 1rem; }
.note { background: #e8f0fe; padding: 0.5rem; } .error { background: #fde8e8; padding: 0.5rem; }
.trashed { background: #fff4e5; padding: 0.5rem; } .muted { color: #555; }
ul.rows { padding-left: 1.2rem; } ul.rows li { margin-bottom: 0.5rem; }
.field { margin-bottom: 0.75rem; } button { font: inherit; padding: 0.3rem 0.8rem; }
"""

BASE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ heading }} · Notion sandbox</title><style>{{ style }}</style></head>
<body><header>
<p><a href="/screen/">Notion sandbox</a>{% if ws %} · <a href="{{ home }}">{{ ws.name }}</a>{% endif %}</p>
{% if ws %}<form method="get" action="">
<label for="as">Acting as</label>
<select id="as" name="as">{% for p in people %}
<option value="{{ p.id }}"{% if p.id == person %} selected{% endif %}>{{ p.name }} ({{ p.role }})</option>
{% endfor %}</select> <button type="submit">Switch person</button></form>{% endif %}
</header><main>
<h1>{{ heading }}</h1>
{% if note %}<p class="note" role="status">{{ note }}</p>{% endif %}
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
{% block body %}{% endblock %}
</main></body></html>"""

WORKSPACES = """{% extends "base" %}{% block body %}
<p>A stand-in for Notion: what you change here sends the webhook events Notion would.</p>
<ul>{% for w in workspaces %}<li><a href="/screen/{{ w.key }}/">{{ w.name }}</a> ({{ w.key }})</li>{% endfor %}</ul>
{% endblock %}"""

WORKSPACE = """{% extends "base" %}{% block body %}
<h2>Pages</h2>
<ul class="rows">{% for p in pages %}<li><a href="{{ p.href }}">{{ p.title }}</a></li>{% endfor %}</ul>
{% for source in sources %}
<h2>{{ source.name }} <span class="muted">(database)</span></h2>
{% if source.rows %}<ul class="rows">{% for row in source.rows %}
<li><a href="{{ row.href }}">{{ row.title }}</a>
<span class="muted">{% for name, value in row.props %}· {{ name }}: {{ value }} {% endfor %}</span></li>
{% endfor %}</ul>{% else %}<p class="muted">No rows.</p>{% endif %}
<form method="post" action="/screen/{{ ws.key }}/new" class="field"><input type="hidden" name="as" value="{{ person }}">
<input type="hidden" name="data_source_id" value="{{ source.id }}">
<label for="new-row-{{ loop.index }}">New row in {{ source.name }}</label>
<input id="new-row-{{ loop.index }}" name="title" required> <button type="submit">Add a row to {{ source.name }}</button></form>
{% endfor %}
<h2>Sign in to the console</h2>
<form method="post" action="/screen/{{ ws.key }}/sign-in"><input type="hidden" name="as" value="{{ person }}">
<p>Notion's consent signs in {{ acting }} next: to join the console's team from an invite link.</p>
<button type="submit">Sign in as {{ acting }} next</button></form>
<h2>Trash</h2>
{% if trash %}<ul class="rows">{% for p in trash %}<li><a href="{{ p.href }}">{{ p.title }}</a></li>{% endfor %}</ul>
{% else %}<p class="muted">Nothing in the trash.</p>{% endif %}
{% endblock %}"""

PAGE = """{% extends "base" %}{% block body %}
<p class="muted">In {{ where }} · last edited by {{ edited_by }}</p>
{% if trashed %}<div class="trashed"><p>This page is in the trash: it cannot be edited until it is restored.</p>
<form method="post" action="{{ act }}/restore"><input type="hidden" name="as" value="{{ person }}">
<button type="submit">Restore</button></form></div>{% endif %}
<h2>Properties</h2>
<form method="post" action="{{ act }}/properties"><input type="hidden" name="as" value="{{ person }}">
{% for f in fields %}<div class="field">
{% if f.kind == "checkbox" %}
<input type="checkbox" id="{{ f.id }}" name="{{ f.name }}"{% if f.value %} checked{% endif %}{% if trashed %} disabled{% endif %}>
<label for="{{ f.id }}">{{ f.name }}</label>
{% elif f.kind == "people" %}<fieldset><legend>{{ f.name }}</legend>{% for p in people %}
<input type="checkbox" id="{{ f.id }}-{{ loop.index }}" name="{{ f.name }}" value="{{ p.id }}"{% if p.id in f.value %} checked{% endif %}{% if trashed %} disabled{% endif %}>
<label for="{{ f.id }}-{{ loop.index }}">{{ p.name }}</label>{% endfor %}</fieldset>
{% elif f.options is not none %}<label for="{{ f.id }}">{{ f.name }}</label>
<select id="{{ f.id }}" name="{{ f.name }}"{% if trashed %} disabled{% endif %}>{% if f.kind != "status" %}<option value="">(none)</option>{% endif %}
{% for o in f.options %}<option{% if o == f.value %} selected{% endif %}>{{ o }}</option>{% endfor %}</select>
{% elif f.input %}<label for="{{ f.id }}">{{ f.name }}</label>
<input type="{{ f.input }}" id="{{ f.id }}" name="{{ f.name }}" value="{{ f.value }}"{% if trashed %} disabled{% endif %}>
{% else %}<p>{{ f.name }}: {{ f.value }} <span class="muted">(not editable here)</span></p>{% endif %}
</div>{% endfor %}
{% if not trashed %}<button type="submit">Save properties</button>{% endif %}</form>
{% if not trashed %}<form method="post" action="/screen/{{ ws.key }}/new" class="field"><input type="hidden" name="as" value="{{ person }}">
<input type="hidden" name="page_id" value="{{ page_id }}">
<label for="new-page">New page inside</label>
<input id="new-page" name="title" required> <button type="submit">Add a page inside</button></form>{% endif %}
<h2>Content</h2>
{% for b in blocks %}<form method="post" action="{{ act }}/blocks/{{ b.id }}" class="field">
<input type="hidden" name="as" value="{{ person }}">
<label for="block-{{ loop.index }}">Block {{ loop.index }} ({{ b.type }}{% if b.depth %}, nested{% endif %})</label>
{% if b.editable %}<textarea id="block-{{ loop.index }}" name="text"{% if trashed %} disabled{% endif %}>{{ b.text }}</textarea>
{% if not trashed %}<button type="submit">Save block {{ loop.index }}</button>{% endif %}
{% else %}<output id="block-{{ loop.index }}">{{ b.text or b.type }}</output>{% endif %}</form>
{% else %}<p class="muted">No content yet.</p>{% endfor %}
{% if not trashed %}<form method="post" action="{{ act }}/append"><input type="hidden" name="as" value="{{ person }}">
<div class="field"><label for="new-paragraph">New paragraph</label><textarea id="new-paragraph" name="text"></textarea></div>
<button type="submit">Add paragraph</button></form>{% endif %}
<h2>Comments</h2>
<ul class="rows">{% for c in comments %}<li><strong>{{ c.author }}</strong>: {{ c.text | linked }}</li>
{% else %}<li class="muted">No comments yet.</li>{% endfor %}</ul>
<form method="post" action="{{ act }}/comment"><input type="hidden" name="as" value="{{ person }}">
<div class="field"><label for="mention">Mention</label><select id="mention" name="mention">
<option value="">Nobody</option><option value="{{ bot.id }}">{{ bot.name }} (the agent)</option>
{% for p in people %}<option value="{{ p.id }}">{{ p.name }}</option>{% endfor %}</select></div>
<div class="field"><label for="comment">Comment</label><textarea id="comment" name="text"></textarea></div>
<button type="submit">Comment</button></form>
{% if not trashed %}<h2>Trash</h2><form method="post" action="{{ act }}/trash">
<input type="hidden" name="as" value="{{ person }}"><button type="submit">Move to trash</button></form>{% endif %}
{% endblock %}"""

ENV = jinja2.Environment(
    loader=jinja2.DictLoader({"base": BASE, "workspaces": WORKSPACES, "workspace": WORKSPACE, "page": PAGE}),
    autoescape=True,  # every value is escaped: page titles, text and comments are the workspace's
    undefined=jinja2.StrictUndefined,
)
_WEB_ADDRESS = re.compile(r"https?://[^\s<>\"']+")


def linked(text: str) -> Markup:
    """``text`` escaped, each web address in it a link, as Notion shows a comment's links (a run's
    start note links its Runs row)."""
    out, last = [], 0
    for found in _WEB_ADDRESS.finditer(text):
        address = found.group(0).rstrip(".,;:)")
        out += [escape(text[last : found.start()]), Markup('<a href="{0}">{0}</a>').format(address)]
        last = found.start() + len(address)
    return Markup("").join([*out, escape(text[last:])])


ENV.filters["linked"] = linked


def render(template: str, **values: Any) -> str:
    """The HTML of ``template`` with ``values`` (escaped); the base's optional values default empty."""
    defaults: dict[str, Any] = {"ws": None, "people": [], "person": "", "note": "", "error": "", "home": ""}
    return ENV.get_template(template).render(**(defaults | values), style=STYLE)
