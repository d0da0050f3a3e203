#!/usr/bin/env python3
"""Writes expected/<template>.json (each conversation in conversations.json rendered by Python Jinja2 the way
Hugging Face transformers renders chat templates (trim_blocks, lstrip_blocks, loopcontrols, {% generation %},
tojson = json.dumps(ensure_ascii=False), raise_exception, strftime_now), with two additions llama.cpp also has:
list/dict methods may mutate (SandboxedEnvironment, not the Immutable one) and a from_json filter.
strftime_now uses the fixed time 2025-07-04 12:00:00 so the output is reproducible. Also writes
jinja-cases-expected.json: the small feature cases of jinja-cases.json rendered the same way.

Run from this folder: python3 render_expected.py  (needs only jinja2)"""
import datetime
import json
import pathlib

import jinja2
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import SandboxedEnvironment

NOW = datetime.datetime(2025, 7, 4, 12, 0, 0)


class GenerationTag(Extension):
    """transformers' AssistantTracker: {% generation %}...{% endgeneration %} renders its body."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def environment():
    env = SandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[GenerationTag, loopcontrols])
    env.filters["tojson"] = tojson
    env.filters["from_json"] = json.loads
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: NOW.strftime(fmt)
    return env


def render(env, source, variables):
    """{"output": text} or {"error": "Kind: message"}; raise_exception errors are "raise_exception: message"."""
    try:
        return {"output": env.from_string(source).render(**variables)}
    except jinja2.exceptions.TemplateError as e:
        kind = "raise_exception" if type(e) is jinja2.exceptions.TemplateError else type(e).__name__
        return {"error": f"{kind}: {e}"}
    except Exception as e:
        return {"error": f"{type(e).__name__}: {e}"}


def write_json(path, value):
    path.write_text(json.dumps(value, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main():
    here = pathlib.Path(__file__).parent
    conversations = json.loads((here / "conversations.json").read_text(encoding="utf-8"))
    env = environment()
    for path in sorted((here / "templates").glob("*.jinja")):
        source = path.read_text(encoding="utf-8")
        results = {name: render(env, source, variables) for name, variables in conversations.items()}
        write_json(here / "expected" / (path.stem + ".json"), results)
    cases = json.loads((here / "jinja-cases.json").read_text(encoding="utf-8"))
    write_json(here / "jinja-cases-expected.json", {c["name"]: render(env, c["template"], c["vars"]) for c in cases})


if __name__ == "__main__":
    main()
