package com.mysticanvas.llm.template.jinja;

import java.util.LinkedHashMap;
import java.util.Map;

/** The mutable object made by {@code namespace(...)}: the one way to carry values out of a loop scope. */
final class Namespace {
    final Map<String, Object> attributes = new LinkedHashMap<>();
}
