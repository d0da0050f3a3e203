package com.mysticanvas.app.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Json;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * External OpenAI-compatible backends behind the orchestrator, against stand-in servers on loopback: their models in
 * /v1/models, requests sent by priority with the backend's own key (never the client's, never shown), a failure
 * before the first byte sent on to the next backend, one that keeps failing marked down and skipped, a prefix for
 * names that clash, streams relayed as they come and a backend dying mid-stream ending the stream with the error frame.
 */
class BackendsIT {
    @TempDir
    Path dir;

    @Test
    void requestsGoToTheBackendsThatServeTheModelByPriorityWithFailover() throws Exception {
        try (FakeOpenAiServer a = new FakeOpenAiServer("A", "ext-llama");
             FakeOpenAiServer b = new FakeOpenAiServer("B", "ext-llama");
             FakeOpenAiServer lab = new FakeOpenAiServer("LAB", "ext-llama");
             TestOrchestrator o = TestOrchestrator.builder(dir).start()) {
            assertThat(add(o, "{\"name\":\"A\",\"url\":\"" + a.url() + "/v1/\",\"api_key\":\"keyA\",\"priority\":10}").statusCode()).isEqualTo(201);
            add(o, "{\"name\":\"B\",\"url\":\"" + b.url() + "\",\"priority\":1}");
            add(o, "{\"name\":\"lab box\",\"url\":\"" + lab.url() + "\",\"prefix\":\"lab/\"}");
            assertThat(add(o, "{\"name\":\"bad\",\"url\":\"ftp://x\"}").statusCode()).isEqualTo(400);

            String listed = o.get("/api/connections").body();
            assertThat(listed).doesNotContain("keyA").contains("\"has_key\":true");
            JsonNode models = Json.parse(o.get("/v1/models").body()).path("data");
            assertThat(models).filteredOn(m -> m.path("id").asText().equals("ext-llama"))
                    .singleElement().satisfies(m -> assertThat(m.path("backend").path("name").asText()).isEqualTo("A"));
            assertThat(models).anyMatch(m -> m.path("id").asText().equals("lab/ext-llama") && m.path("owned_by").asText().equals("lab box"));

            // the highest priority first, with its key instead of the client's
            HttpResponse<String> first = chat(o, "ext-llama", false);
            assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
            assertThat(Json.parse(first.body()).path("choices").get(0).path("message").path("content").asText()).isEqualTo("from A");
            assertThat(a.seen.getLast().authorization()).isEqualTo("Bearer keyA");
            assertThat(a.seen.getLast().body().path("model").asText()).isEqualTo("ext-llama");

            // streamed through as it comes
            HttpResponse<String> streamed = chat(o, "ext-llama", true);
            assertThat(streamed.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
            assertThat(streamed.body()).contains("A0 ", "A1 ", "A2 ", "data: [DONE]");

            // A refuses before answering: the same request goes on to B
            a.failNext.set(1);
            HttpResponse<String> failedOver = chat(o, "ext-llama", false);
            assertThat(failedOver.statusCode()).isEqualTo(200);
            assertThat(failedOver.body()).contains("from B");
            assertThat(b.seen.getLast().authorization()).as("B has no key; the client's is not passed on").isNull();

            // A keeps failing: marked down, then skipped without being asked
            a.failNext.set(5);
            chat(o, "ext-llama", false);
            long asked = a.chats();
            assertThat(chat(o, "ext-llama", false).body()).contains("from B");
            assertThat(a.chats()).as("down: not asked again until its back-off runs out").isEqualTo(asked);
            JsonNode state = Json.parse(o.get("/api/connections").body()).path("connections");
            assertThat(state).filteredOn(c -> c.path("name").asText().equals("A")).singleElement().satisfies(c -> {
                assertThat(c.path("state").asText()).isEqualTo("down");
                assertThat(c.path("last_error").asText()).contains("503");
            });

            // a prefixed name reaches its backend under the backend's own name
            assertThat(chat(o, "lab/ext-llama", false).body()).contains("from LAB");
            assertThat(lab.seen.getLast().body().path("model").asText()).isEqualTo("ext-llama");

            // the studio's chats too: a conversation whose model a backend serves is answered there, and saved
            String conversation = Json.parse(o.post("/api/conversations", "{\"title\":\"remote\",\"settings\":{\"model\":\"lab/ext-llama\"}}")
                    .body()).path("id").asText();
            List<String[]> turn = o.postEvents("/api/conversations/" + conversation + "/chat", "{\"content\":\"hello\"}");
            assertThat(turn.getLast()[0]).isEqualTo("done");
            assertThat(Json.parse(turn.getLast()[1]).path("message").path("content").asText()).isEqualTo("LAB0 LAB1 LAB2 ");
            assertThat(lab.seen.getLast().body().path("messages").toString()).contains("hello");
            assertThat(lab.seen.getLast().body().has("min_reply_tokens")).isFalse();

            // Ollama's API over them: the tags list them, and a chat naming one is answered there in Ollama's shape
            JsonNode tags = Json.parse(o.get("/api/tags").body()).path("models");
            assertThat(tags).anyMatch(t -> t.path("name").asText().equals("lab/ext-llama") && t.path("remote_host").asText().equals(lab.url()));
            HttpResponse<String> ollamaWhole = o.post("/api/chat", "{\"model\":\"lab/ext-llama\",\"stream\":false,"
                    + "\"options\":{\"temperature\":0.2,\"num_predict\":5},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(ollamaWhole.statusCode()).as(ollamaWhole.body()).isEqualTo(200);
            assertThat(Json.parse(ollamaWhole.body()).path("message").path("content").asText()).isEqualTo("LAB0 LAB1 LAB2 ");
            assertThat(Json.parse(ollamaWhole.body()).path("done").asBoolean()).isTrue();
            assertThat(lab.seen.getLast().body().path("max_tokens").asInt()).isEqualTo(5);
            String[] ndjson = o.post("/api/generate", "{\"model\":\"lab/ext-llama\",\"prompt\":\"hi\"}").body().split("\n");
            assertThat(ndjson).hasSize(4);
            assertThat(Json.parse(ndjson[0]).path("response").asText()).isEqualTo("LAB0 ");
            assertThat(Json.parse(ndjson[3]).path("done").asBoolean()).isTrue();

            // a backend dying part-way through a stream: the stream ends with the error frame, nothing retried
            lab.dieMidStream = true;
            List<String[]> events = new ArrayList<>();
            HttpResponse<java.io.InputStream> dying = o.http.send(HttpRequest.newBuilder(o.base.resolve("/v1/chat/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString(body("lab/ext-llama", true))).build(), HttpResponse.BodyHandlers.ofInputStream());
            TestOrchestrator.readEvents(dying.body(), events, e -> false);
            assertThat(events.getFirst()[1]).contains("LAB0");
            assertThat(events.getLast()[0]).isEqualTo("error");
            assertThat(events.getLast()[1]).contains("lab box failed mid-stream");

            // every backend of a model gone: a 502 that says so
            b.close();
            HttpResponse<String> none = chat(o, "ext-llama", false);
            assertThat(none.statusCode()).isEqualTo(502);
            assertThat(none.body()).contains("ext-llama");

            // removed: its models are gone
            String labId = state.findValuesAsText("id").get(2);
            assertThat(o.http.send(HttpRequest.newBuilder(o.base.resolve("/api/connections/" + labId)).DELETE().build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(204);
            assertThat(o.get("/v1/models").body()).doesNotContain("lab/ext-llama");
        }
    }

    @Test
    void anImageJobWhoseBackendCrashesMidJobStartsOverOnTheNextAndEditsGoThereAsImg2img() throws Exception {
        try (FakeA1111Server first = new FakeA1111Server("juggernaut-xl");
             FakeA1111Server second = new FakeA1111Server("juggernaut-xl");
             TestOrchestrator o = TestOrchestrator.builder(dir).start()) {
            add(o, "{\"name\":\"first\",\"kind\":\"a1111\",\"url\":\"" + first.url() + "\",\"priority\":10}");
            add(o, "{\"name\":\"second\",\"kind\":\"a1111\",\"url\":\"" + second.url() + "\",\"priority\":1}");
            while (!o.worker(com.mysticanvas.core.worker.WorkerKind.SD).path("state").asText().equals("ready")) {
                Thread.sleep(50);
            }

            // the studio's job: taken by the first, which dies part-way (its progress was told); run again on the second
            first.crashMidJob = true;
            first.hold = new java.util.concurrent.CompletableFuture<>();
            java.util.concurrent.CompletableFuture<List<String[]>> studio = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return o.postEvents("/api/images", "{\"prompt\":\"a castle\",\"checkpoint\":\"juggernaut-xl\",\"steps\":10,"
                            + "\"width\":64,\"height\":64,\"seed\":7}");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            while (first.progressAsked.get() < 2) { // running there, polled
                Thread.onSpinWait();
            }
            first.release();
            List<String[]> events = studio.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(events).extracting(e -> e[0]).contains("queued", "progress", "image").endsWith("done");
            assertThat(first.jobs).hasSize(1);
            assertThat(second.jobs).hasSize(1);
            assertThat(Json.parse(events.getLast()[1]).path("images").get(0).path("prompt").asText()).isEqualTo("a castle");
            assertThat(Json.parse(o.get("/api/connections").body()).path("connections")).filteredOn(c -> c.path("name").asText().equals("first"))
                    .singleElement().satisfies(c -> assertThat(c.path("last_error").asText()).contains("first"));

            // OpenAI's edits, as clients send them (multipart, the mask transparent where to repaint): the first fails
            // again and is down; the second runs it as img2img with A1111's sense of the mask
            String boundary = "edit-boundary";
            String form = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\njuggernaut-xl\r\n"
                    + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\na tower\r\n"
                    + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"in.png\"\r\nContent-Type: image/png\r\n\r\n"
                    + "PNGBYTES\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"mask\"; filename=\"m.png\"\r\n"
                    + "Content-Type: image/png\r\n\r\nMASK\r\n--" + boundary + "--\r\n";
            HttpResponse<String> edit = o.http.send(HttpRequest.newBuilder(o.base.resolve("/v1/images/edits"))
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(edit.statusCode()).as(edit.body()).isEqualTo(200);
            assertThat(Json.parse(edit.body()).path("data").get(0).path("b64_json").asText()).isEqualTo(FakeA1111Server.PNG);
            assertThat(first.jobs).as("tried, failed again").hasSize(2);
            JsonNode img2img = second.jobs.getLast();
            assertThat(img2img.path("route").asText()).isEqualTo("/sdapi/v1/img2img");
            assertThat(img2img.path("init_images").get(0).asText()).isEqualTo(java.util.Base64.getEncoder().encodeToString("PNGBYTES".getBytes()));
            assertThat(img2img.path("mask").asText()).isEqualTo(java.util.Base64.getEncoder().encodeToString("MASK".getBytes()));
            assertThat(img2img.path("inpainting_mask_invert").asInt()).isEqualTo(1);

            // down now: the next job goes to the second without asking the first
            assertThat(o.post("/v1/images/generations", "{\"model\":\"juggernaut-xl\",\"prompt\":\"a tower\"}").statusCode()).isEqualTo(200);
            assertThat(first.jobs).hasSize(2);
            assertThat(second.jobs).hasSize(3);
        }
    }

    private static HttpResponse<String> add(TestOrchestrator o, String json) throws Exception {
        return o.post("/api/connections", json);
    }

    private static String body(String model, boolean stream) {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    private static HttpResponse<String> chat(TestOrchestrator o, String model, boolean stream) throws Exception {
        return o.http.send(HttpRequest.newBuilder(o.base.resolve("/v1/chat/completions"))
                .header("Authorization", "Bearer client-secret")
                .POST(HttpRequest.BodyPublishers.ofString(body(model, stream))).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void ollamaClientsReachABackendWithToolsImagesThinkingAndEmbeddings() throws Exception {
        try (FakeOpenAiServer vllm = new FakeOpenAiServer("vllm", "qwen3-vl");
             TestOrchestrator o = TestOrchestrator.builder(dir).start()) {
            add(o, "{\"name\":\"vllm\",\"url\":\"" + vllm.url() + "\"}");
            String chat = """
                    {"model":"qwen3-vl","think":true,%s"tools":[{"type":"function","function":{"name":"get_weather",
                     "parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
                     "options":{"num_predict":50},"format":{"type":"object"},
                     "messages":[{"role":"user","content":"what is this?","images":["iVBORw0KGgo="]},
                                 {"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_weather","arguments":{"city":"Rome"}}}]},
                                 {"role":"tool","content":"sunny","tool_name":"get_weather"},
                                 {"role":"user","content":"and Paris?"}]}""";
            String[] lines = o.post("/api/chat", chat.formatted("")).body().split("\n");
            JsonNode sent = vllm.seen.getLast().body();
            assertThat(sent.path("tools").get(0).path("function").path("name").asText()).isEqualTo("get_weather");
            assertThat(sent.path("max_tokens").asInt()).isEqualTo(50);
            assertThat(sent.path("response_format").path("json_schema").path("schema").path("type").asText()).isEqualTo("object");
            JsonNode messages = sent.path("messages");
            assertThat(messages.get(0).path("content").get(1).path("image_url").path("url").asText())
                    .as("an image as OpenAI's part").isEqualTo("data:image/png;base64,iVBORw0KGgo=");
            JsonNode call = messages.get(1).path("tool_calls").get(0);
            assertThat(call.path("function").path("arguments").asText()).as("arguments as JSON text").isEqualTo("{\"city\":\"Rome\"}");
            assertThat(messages.get(2).path("tool_call_id").asText()).as("the answer names its call").isEqualTo(call.path("id").asText());

            assertThat(Json.parse(lines[0]).path("message").path("thinking").asText()).isEqualTo("the user wants weather");
            JsonNode calls = Json.parse(lines[lines.length - 2]).path("message").path("tool_calls");
            assertThat(calls.get(0).path("function").path("name").asText()).isEqualTo("get_weather");
            assertThat(calls.get(0).path("function").path("arguments").path("city").asText()).as("its pieces put together").isEqualTo("Paris");
            JsonNode last = Json.parse(lines[lines.length - 1]);
            assertThat(last.path("done").asBoolean()).isTrue();
            assertThat(last.path("done_reason").asText()).isEqualTo("stop");
            assertThat(last.path("eval_count").asInt()).as("the backend's usage").isEqualTo(9);

            JsonNode whole = Json.parse(o.post("/api/chat", chat.formatted("\"stream\":false,")).body());
            assertThat(whole.path("message").path("tool_calls").get(0).path("function").path("arguments").path("city").asText()).isEqualTo("Paris");
            assertThat(whole.path("message").path("thinking").asText()).isEqualTo("the user wants weather");

            JsonNode embed = Json.parse(o.post("/api/embed", "{\"model\":\"qwen3-vl\",\"input\":[\"a\",\"bcd\"]}").body());
            assertThat(embed.path("embeddings").toString()).isEqualTo("[[0,1],[1,3]]");
            assertThat(embed.path("prompt_eval_count").asInt()).isEqualTo(2);
            assertThat(vllm.seen.getLast().path()).isEqualTo("/v1/embeddings");
            assertThat(Json.parse(o.post("/api/embeddings", "{\"model\":\"qwen3-vl\",\"prompt\":\"hello\"}").body())
                    .path("embedding").toString()).isEqualTo("[0,5]");
            HttpResponse<String> bad = o.post("/api/embed", "{\"model\":\"qwen3-vl\",\"input\":7}");
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.body()).contains("'input' must be a text or texts");
        }
    }

    @Test
    void aBackendThatHasTheModelLoadedIsPreferredOverAHigherPriorityOneThatWouldHaveToLoadIt() throws Exception {
        try (FakeOpenAiServer cold = new FakeOpenAiServer("cold", "qwen3");
             FakeOpenAiServer warm = new FakeOpenAiServer("warm", "qwen3");
             TestOrchestrator o = TestOrchestrator.builder(dir).start()) {
            cold.loaded = List.of(); // Ollama-like: lists qwen3, has nothing loaded
            warm.loaded = List.of("qwen3");
            add(o, "{\"name\":\"cold\",\"url\":\"" + cold.url() + "\",\"priority\":10}");
            add(o, "{\"name\":\"warm\",\"url\":\"" + warm.url() + "\",\"priority\":1}");
            assertThat(chat(o, "qwen3", false).body()).contains("from warm");
            assertThat(cold.chats()).isZero();
        }
        // LM Studio says it in its own API: a model listed but "not-loaded" there goes after one that is loaded
        try (FakeOpenAiServer cold = new FakeOpenAiServer("lms-cold", "gemma-3");
             FakeOpenAiServer warm = new FakeOpenAiServer("lms-warm", "gemma-3");
             TestOrchestrator o = TestOrchestrator.builder(dir.resolve("lm-studio")).start()) {
            cold.lmStudioLoaded = List.of();
            warm.lmStudioLoaded = List.of("gemma-3");
            add(o, "{\"name\":\"lms-cold\",\"url\":\"" + cold.url() + "\",\"priority\":10}");
            add(o, "{\"name\":\"lms-warm\",\"url\":\"" + warm.url() + "\",\"priority\":1}");
            assertThat(chat(o, "gemma-3", false).body()).contains("from lms-warm");
            assertThat(cold.chats()).isZero();
        }
    }

    @Test
    void anA1111JobNamingABackendsCheckpointRunsThereAndItsProgressIsRelayed() throws Exception {
        try (FakeA1111Server forge = new FakeA1111Server("juggernaut-xl");
             TestOrchestrator o = TestOrchestrator.builder(dir).start()) {
            add(o, "{\"name\":\"forge box\",\"kind\":\"a1111\",\"url\":\"" + forge.url() + "\"}");
            JsonNode models = Json.parse(o.get("/v1/models").body()).path("data");
            assertThat(models).filteredOn(m -> m.path("id").asText().equals("juggernaut-xl")).singleElement()
                    .satisfies(m -> assertThat(m.path("type").asText()).isEqualTo("image"));

            forge.hold = new java.util.concurrent.CompletableFuture<>();
            java.util.concurrent.CompletableFuture<HttpResponse<String>> job = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return o.post("/sdapi/v1/txt2img", "{\"prompt\":\"a castle\",\"steps\":10,"
                            + "\"override_settings\":{\"sd_model_checkpoint\":\"juggernaut-xl [abcdef1234]\"}}");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            JsonNode progress = null;
            for (int i = 0; i < 200 && (progress == null || !progress.path("state").path("job").asText().equals("remote")); i++) {
                progress = Json.parse(o.get("/sdapi/v1/progress").body());
                Thread.sleep(20);
            }
            assertThat(progress.path("progress").asDouble()).as("the backend's own progress while its job runs").isEqualTo(0.5);
            forge.release();
            HttpResponse<String> done = job.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
            assertThat(Json.parse(done.body()).path("images").get(0).asText()).isEqualTo(FakeA1111Server.PNG);
            assertThat(forge.jobs.getLast().path("override_settings").path("sd_model_checkpoint").asText())
                    .as("the backend's own title for it").isEqualTo("juggernaut-xl.safetensors [0123456789]");
            assertThat(Json.parse(o.get("/sdapi/v1/progress").body()).path("state").path("job").asText())
                    .as("afterwards: the local worker's progress again").isNotEqualTo("remote");

            // the studio's job on that checkpoint: run there, its progress polled, its image saved here (sampler names
            // are A1111's from the image worker's list)
            while (!o.worker(com.mysticanvas.core.worker.WorkerKind.SD).path("state").asText().equals("ready")) {
                Thread.sleep(50);
            }
            forge.hold = new java.util.concurrent.CompletableFuture<>();
            int asked = forge.progressAsked.get();
            java.util.concurrent.CompletableFuture<List<String[]>> studio = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return o.postEvents("/api/images", "{\"prompt\":\"a castle\",\"checkpoint\":\"juggernaut-xl\",\"sampler\":\"euler_a\","
                            + "\"steps\":10,\"width\":64,\"height\":64,\"seed\":7}");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            while (forge.progressAsked.get() < asked + 2) { // the job is running there and being polled
                Thread.onSpinWait();
            }
            forge.release();
            List<String[]> events = studio.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(events).extracting(e -> e[0]).contains("queued", "progress", "image").endsWith("done");
            JsonNode step = Json.parse(events.stream().filter(e -> e[0].equals("progress")).findFirst().orElseThrow()[1]);
            assertThat(step.path("step").asInt() + "/" + step.path("steps").asInt()).isEqualTo("5/10");
            JsonNode saved = Json.parse(events.getLast()[1]).path("images").get(0);
            assertThat(saved.path("model").asText()).isEqualTo("juggernaut-xl");
            assertThat(saved.path("prompt").asText()).isEqualTo("a castle");
            JsonNode sent = forge.jobs.getLast();
            assertThat(sent.path("sampler_name").asText()).as("A1111's name for ours").isEqualTo("Euler a");
            assertThat(sent.path("override_settings").path("sd_model_checkpoint").asText()).isEqualTo("juggernaut-xl.safetensors [0123456789]");
            HttpResponse<String> png = o.get("/api/gallery/" + saved.path("id").asText() + "/image");
            assertThat(png.statusCode()).isEqualTo(200);

            // OpenAI's images API naming that checkpoint as its model: answered whole, or as the worker's event stream
            HttpResponse<String> openAi = o.post("/v1/images/generations", "{\"model\":\"juggernaut-xl\",\"prompt\":\"a tower\","
                    + "\"size\":\"64x64\"}");
            assertThat(openAi.statusCode()).as(openAi.body()).isEqualTo(200);
            assertThat(Json.parse(openAi.body()).path("data").get(0).path("b64_json").asText()).isEqualTo(FakeA1111Server.PNG);
            assertThat(forge.jobs.getLast().path("width").asInt()).isEqualTo(64);
            List<String[]> streamed = o.postEvents("/v1/images/generations", "{\"model\":\"juggernaut-xl\",\"prompt\":\"a tower\","
                    + "\"stream\":true}");
            assertThat(streamed).extracting(e -> e[0]).startsWith("queued").endsWith("result");
        }
    }
}
