package com.mysticanvas.llm.template;

import com.mysticanvas.llm.template.jinja.TemplateException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Broken templates (real ones cut and scrambled, token soup) fail with a TemplateException, never otherwise. */
class TemplateFuzzTest {
    private static final String[] SOUP = {"{{", "}}", "{%", "%}", "{#", "#}", "-", "+", "if", "for", "in", "endif",
        "endfor", "set", "macro", "endmacro", "(", ")", "[", "]", "{", "}", "'a'", "\"b\"", "1", "2.5", "x", "messages",
        "|", "tojson", "trim", "is", "not", "defined", ".", ",", ":", "=", "==", "~", "*", "**", "%", "/", "//",
        "loop", "namespace", "raise_exception", "\n", " ", "else", "elif", "filter", "endfilter", "raw", "endraw",
        "0x1F", "9999999999999999999999", "\\", "'\\u12'", "..."};

    @Test
    void brokenTemplatesFailCleanly() {
        List<Path> templates = ChatTemplateGoldenTest.templateFiles();
        Random random = new Random(42);
        ObjectNode vars = (ObjectNode) Json.parse("""
                {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}],
                 "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}],
                 "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>"}""");
        int rendered = 0;
        for (int i = 0; i < 1500; i++) {
            String source;
            if (i % 2 == 0) {
                String real = ChatTemplateGoldenTest.read(templates.get(random.nextInt(templates.size())));
                int a = random.nextInt(real.length());
                int b = Math.min(real.length(), a + random.nextInt(400));
                source = real.substring(0, a) + real.substring(b);
            } else {
                StringBuilder b = new StringBuilder();
                for (int k = random.nextInt(40); k > 0; k--) {
                    b.append(SOUP[random.nextInt(SOUP.length)]).append(random.nextBoolean() ? " " : "");
                }
                source = b.toString();
            }
            try {
                ChatTemplate.compile(source).render(vars.deepCopy());
                rendered++;
            } catch (TemplateException expected) {
                assertThat(expected.getMessage()).as("an expected failure, not an interpreter bug")
                        .isNotBlank().doesNotContain("Exception").doesNotContain("Error:");
            }
        }
        assertThat(rendered).isPositive();
    }
}
