package com.mysticanvas.llm.template.jinja;

/** Anything callable from a template: globals, macros, bound methods of strings, lists and dicts. */
@FunctionalInterface
interface JinjaFunction {
    Object call(Renderer renderer, Args args);
}
