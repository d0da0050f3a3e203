/**
 * Our Jinja interpreter for chat templates: {@link com.mysticanvas.llm.template.jinja.Lexer} (Jinja2's
 * whitespace rules with Hugging Face's {@code trim_blocks}/{@code lstrip_blocks}),
 * {@link com.mysticanvas.llm.template.jinja.Parser} (Jinja2's grammar into the sealed
 * {@link com.mysticanvas.llm.template.jinja.Stmt}/{@link com.mysticanvas.llm.template.jinja.Expr} records) and
 * {@link com.mysticanvas.llm.template.jinja.Renderer} (Python value semantics, limits on steps, output and
 * recursion). Strings carry which characters came from the request ({@link com.mysticanvas.llm.template.jinja.Str}).
 *
 * <p>Why not a library: com.hubspot.jinjava 2.8.2 (the well-kept Java Jinja) was tried on the 70 real templates
 * in llama.cpp's models/templates. 21 failed outright (no {@code strftime_now}, no {@code {% filter %}} or
 * {@code {% generation %}} blocks, no {@code str.lstrip()}/{@code rstrip()}, {@code tojson(indent=4)} refused,
 * slices like {@code messages[:i+1]}), and those that rendered had wrong whitespace ({@code {{-} and
 * {@code {%-} did not strip, e.g. Qwen 2.5 and Llama 3.1 prompts got stray indentation and newlines).
 *
 * <p>Reference: Python Jinja2 3.1 as transformers configures it. Tests compare our output with Python's on
 * every real template (chat-templates/expected). Deliberate differences, shared with llama.cpp's engine:
 * {@code safe} returns the string unchanged (Python's Markup would HTML-escape what is added to it),
 * {@code map}/{@code select} give lists (Python's lazy generators cannot be passed to {@code tojson}),
 * lists and dicts may be changed by {@code append}/{@code pop}/{@code update} (transformers' immutable sandbox
 * refuses), there is a {@code from_json} filter, and an unknown filter or test fails when it is used rather
 * than when the template is compiled.
 */
package com.mysticanvas.llm.template.jinja;
