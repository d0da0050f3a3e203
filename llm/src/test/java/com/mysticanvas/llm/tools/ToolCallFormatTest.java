package com.mysticanvas.llm.tools;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mysticanvas.core.Json;
import com.mysticanvas.llm.template.ChatTemplate;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Format detection and thought-opening prompts, on the 70 real chat templates. */
public class ToolCallFormatTest {
    static Path templates() throws URISyntaxException {
        return Path.of(ToolCallFormatTest.class.getResource("/chat-templates/templates").toURI());
    }

    static String template(String name) throws Exception {
        return Files.readString(templates().resolve(name + ".jinja"));
    }

    @Test
    void detectsTheFormatOfEachFamily() throws Exception {
        Map<String, ToolCallFormat> detected = new TreeMap<>();
        try (Stream<Path> files = Files.list(templates())) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString().replace(".jinja", "");
                detected.put(name, ToolCallFormat.detect(Files.readString(f)));
            }
        }
        assertThat(detected).hasSize(70);
        assertThat(detected).containsEntry("openai-gpt-oss-120b", ToolCallFormat.GPT_OSS)
                .containsEntry("Mistral-Small-3.2-24B-Instruct-2506", ToolCallFormat.MISTRAL)
                .containsEntry("mistralai-Mistral-Nemo-Instruct-2407", ToolCallFormat.MISTRAL)
                .containsEntry("mistralai-Ministral-3-14B-Reasoning-2512", ToolCallFormat.MISTRAL)
                .containsEntry("unsloth-mistral-Devstral-Small-2507", ToolCallFormat.MISTRAL)
                .containsEntry("Qwen-Qwen2.5-7B-Instruct", ToolCallFormat.HERMES)
                .containsEntry("Qwen-Qwen3-0.6B", ToolCallFormat.HERMES)
                .containsEntry("Qwen-QwQ-32B", ToolCallFormat.HERMES)
                .containsEntry("Qwen3-Coder", ToolCallFormat.HERMES)
                .containsEntry("NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use", ToolCallFormat.HERMES)
                .containsEntry("NousResearch-Hermes-3-Llama-3.1-8B-tool_use", ToolCallFormat.HERMES)
                .containsEntry("GLM-4.6", ToolCallFormat.HERMES)
                .containsEntry("meta-llama-Llama-3.1-8B-Instruct", ToolCallFormat.LLAMA3_JSON)
                .containsEntry("meta-llama-Llama-3.2-3B-Instruct", ToolCallFormat.LLAMA3_JSON)
                .containsEntry("meta-llama-Llama-3.3-70B-Instruct", ToolCallFormat.LLAMA3_JSON)
                .containsEntry("google-gemma-2-2b-it", ToolCallFormat.NONE)
                .containsEntry("microsoft-Phi-3.5-mini-instruct", ToolCallFormat.NONE)
                .containsEntry("deepseek-ai-DeepSeek-R1-Distill-Qwen-32B", ToolCallFormat.DEEPSEEK);
        assertThat(ToolCallFormat.detect("{{ messages }}")).isEqualTo(ToolCallFormat.NONE);
        assertThat(ToolCallFormat.detect(null)).isEqualTo(ToolCallFormat.NONE);
    }

    static String generationPrompt(String templateName, String extraVars) throws Exception {
        ObjectNode vars = (ObjectNode) Json.parse("{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], "
                + "\"add_generation_prompt\": true, \"bos_token\": \"\", \"eos_token\": \"\"" + extraVars + "}");
        return ChatTemplate.compile(template(templateName)).render(vars);
    }

    @Test
    void tellsWhenTheTemplateOpenedTheThought() throws Exception {
        assertThat(ReplySplitter.promptOpensThinking(ToolCallFormat.NONE,
                generationPrompt("deepseek-ai-DeepSeek-R1-Distill-Qwen-32B", ", \"enable_thinking\": true"))).isTrue();
        assertThat(ReplySplitter.promptOpensThinking(ToolCallFormat.HERMES,
                generationPrompt("Qwen-QwQ-32B", ", \"enable_thinking\": true"))).isTrue();
        assertThat(ReplySplitter.promptOpensThinking(ToolCallFormat.HERMES,
                generationPrompt("Qwen-QwQ-32B", ", \"enable_thinking\": false"))).isFalse();
        assertThat(ReplySplitter.promptOpensThinking(ToolCallFormat.HERMES,
                generationPrompt("Qwen-Qwen3-0.6B", ", \"enable_thinking\": false"))).isFalse();
        assertThat(ReplySplitter.promptOpensThinking(ToolCallFormat.HERMES,
                generationPrompt("Qwen-Qwen3-0.6B", ""))).isFalse();
        assertThat(ReplySplitter.promptOpensThinking(ToolCallFormat.HERMES,
                generationPrompt("Qwen-Qwen2.5-7B-Instruct", ""))).isFalse();
        assertThat(ReplySplitter.promptOpensThinking(ToolCallFormat.MISTRAL, "[INST]x[/INST][THINK]")).isTrue();
    }
}
