package com.mysticanvas.llm.api;

import com.mysticanvas.llm.synth.LlmSynthModels;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The tiny random-weight model under a real chat template from the test resources, for template-driven features. */
final class TemplatedTinyModel {
    private TemplatedTinyModel() {}

    /** Writes {@code models/llm/file}: the tiny model whose chat template is {@code chat-templates/templates/template}. */
    static void write(Path models, String file, String template) throws IOException {
        write(models, file, template, 0);
    }

    /** As {@link #write(Path, String, String)}, trained for {@code contextLength} tokens (0: the tiny model's own). */
    static void write(Path models, String file, String template, int contextLength) throws IOException {
        String source;
        try (InputStream in = TemplatedTinyModel.class.getResourceAsStream("/chat-templates/templates/" + template)) {
            source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Files.createDirectories(models.resolve("llm"));
        var model = LlmSynthModels.tiny().string("tokenizer.chat_template", source);
        if (contextLength > 0) {
            model.u32("llama.context_length", contextLength);
        }
        model.write(models.resolve("llm").resolve(file));
    }
}
