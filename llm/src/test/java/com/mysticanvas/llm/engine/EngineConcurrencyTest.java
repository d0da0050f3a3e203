package com.mysticanvas.llm.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mysticanvas.core.Problem;
import com.mysticanvas.llm.synth.LlmSynthModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several requests at once: interleaving, the queue bound, cancellation, prefix reuse. */
class EngineConcurrencyTest {
    @TempDir
    static Path dir;
    static Path tiny;
    LlamaEngine engine;

    @BeforeAll
    static void model() throws Exception {
        tiny = LlmSynthModels.writeTiny(dir);
    }

    @AfterEach
    void stop() {
        engine.close();
    }

    private void start(int parallel, int queue) {
        engine = new LlamaEngine(1, queue, 0);
        engine.load(tiny, "tiny-llama.gguf", new LoadOptions(512 * parallel, 1, 0, parallel));
    }

    @Test
    void parallelRequestsAllCompleteAndInterleave() throws Exception {
        start(3, 4);
        List<Generation> running = new ArrayList<>();
        engine.holdSteps(true);
        for (int i = 0; i < 3; i++) {
            running.add(engine.submit(LlamaEngineTest.text("Request number " + i), LlamaEngineTest.greedy(400, List.of())));
        }
        assertThat(engine.status().queued()).isEqualTo(3);
        engine.holdSteps(false);
        // All three occupy a slot at the same time: one decode loop advances them together.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int most = 0;
        while (most < 3 && System.nanoTime() < deadline) {
            most = Math.max(most, engine.status().busySlots());
        }
        assertThat(most).isEqualTo(3);
        List<String> texts = new ArrayList<>();
        for (Generation g : running) {
            Collected c = Collected.drain(g);
            assertThat(c.reason()).isEqualTo(FinishReason.LENGTH);
            assertThat(c.usage().completionTokens()).isEqualTo(400);
            texts.add(c.text());
        }
        // A sequence decoded alone gives the same text as in the batch: batching does not change results.
        Collected alone = Collected.drain(engine.submit(LlamaEngineTest.text("Request number 1"),
                LlamaEngineTest.greedy(400, List.of())));
        assertThat(alone.text()).isEqualTo(texts.get(1));
    }

    @Test
    void aFullQueueIsA503AndWaitingRequestsRunLater() throws Exception {
        start(1, 1);
        engine.holdSteps(true); // nothing finishes meanwhile, however fast the machine
        Generation first = engine.submit(LlamaEngineTest.text("one"), LlamaEngineTest.greedy(200, List.of()));
        Generation second = engine.submit(LlamaEngineTest.text("two"), LlamaEngineTest.greedy(5, List.of()));
        assertThatThrownBy(() -> engine.submit(LlamaEngineTest.text("three"), LlamaEngineTest.greedy(5, List.of())))
                .isInstanceOf(Problem.class)
                .satisfies(e -> assertThat(((Problem) e).kind()).isEqualTo(Problem.Kind.UNAVAILABLE))
                .hasMessageContaining("slots are busy");
        assertThat(engine.status().queued()).isEqualTo(2);
        engine.holdSteps(false);
        assertThat(Collected.drain(first).usage().completionTokens()).isEqualTo(200);
        assertThat(Collected.drain(second).usage().completionTokens()).isEqualTo(5);
    }

    @Test
    void aCancelledRequestFreesItsSlotWithinAStep() throws Exception {
        engine = new LlamaEngine(1, 2, 0);
        engine.load(tiny, "tiny-llama.gguf", new LoadOptions(4096, 1, 0, 1));
        Generation endless = engine.submit(LlamaEngineTest.text("go on"), LlamaEngineTest.greedy(4000, List.of()));
        assertThat(endless.next(10, TimeUnit.SECONDS)).isInstanceOf(GenerationEvent.Text.class);
        engine.holdSteps(true);
        assertThat(engine.status().busySlots()).isEqualTo(1);
        endless.cancel();
        engine.holdSteps(false);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (engine.status().busySlots() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(engine.status().busySlots()).isZero();
        Collected next = Collected.drain(engine.submit(LlamaEngineTest.text("next"), LlamaEngineTest.greedy(3, List.of())));
        assertThat(next.usage().completionTokens()).isEqualTo(3);
    }

    @Test
    void aContinuedConversationReusesTheCachedPrefix() throws Exception {
        start(2, 2);
        String turn1 = "You are a helpful assistant. Hello there, tell me about the garden in the rain.";
        Collected first = Collected.drain(engine.submit(LlamaEngineTest.text(turn1), LlamaEngineTest.greedy(8, List.of())));
        assertThat(first.usage().cachedTokens()).isZero();
        String turn2 = turn1 + first.text() + " Thank you. And the cat?";
        Collected second = Collected.drain(engine.submit(LlamaEngineTest.text(turn2), LlamaEngineTest.greedy(8, List.of())));
        int turn1Tokens = first.usage().promptTokens();
        assertThat(second.usage().cachedTokens()).isGreaterThanOrEqualTo(turn1Tokens - 1);
        // The same prompt again reuses all but its last token.
        Collected again = Collected.drain(engine.submit(LlamaEngineTest.text(turn2), LlamaEngineTest.greedy(8, List.of())));
        assertThat(again.usage().cachedTokens()).isEqualTo(again.usage().promptTokens() - 1);
        assertThat(again.text()).isEqualTo(second.text());
    }

    /**
     * Three conversations alternating, each sharing its system prompt with the others: every follow-up finds its own
     * conversation's cache (llama-server's similarity rule), instead of taking the slot of whichever shares the most
     * and evaluating its whole prompt again.
     */
    @Test
    void alternatingConversationsEachFindTheirOwnCache() throws Exception {
        start(3, 3);
        String system = "You are a helpful assistant who answers briefly and kindly. ";
        String[] topics = {"the garden in the rain", "the old lighthouse", "a recipe for bread"};
        List<List<String>> conversations = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        int[] promptTokens = new int[3];
        for (int round = 0; round < 3; round++) {
            for (int c = 0; c < 3; c++) {
                List<String> turns = conversations.get(c);
                turns.add(round == 0 ? system + "Tell me about " + topics[c] + "." : " And then?");
                List<String> parts = List.copyOf(turns); // each turn tokenized alone, as a chat template's turns
                PromptSource prompt = m -> parts.stream().map(t -> m.tokenize(t, false, false))
                        .flatMapToInt(java.util.Arrays::stream).toArray();
                Collected turn = Collected.drain(engine.submit(prompt, LlamaEngineTest.greedy(6, List.of())));
                if (round == 0 && c > 0) {
                    assertThat(turn.usage().cachedTokens()).as("the system prompt, shared from another slot").isPositive();
                }
                if (round > 0) {
                    assertThat(turn.usage().cachedTokens()).as("round %d, conversation %d", round, c)
                            .isGreaterThanOrEqualTo(promptTokens[c] - 1);
                }
                // (the reply is left out of the next turn: random weights' text does not tokenize back to its tokens)
                promptTokens[c] = turn.usage().promptTokens();
            }
        }
    }

    /** One KV cache shared by the slots: a request may use far more than an even share of the context. */
    @Test
    void oneRequestCanUseTheWholeSharedContext() throws Exception {
        engine = new LlamaEngine(1, 2, 0);
        engine.load(tiny, "tiny-llama.gguf", new LoadOptions(1024, 1, 0, 4));
        assertThat(engine.status().model().slotContext()).isEqualTo(1024);
        String longPrompt = "word ".repeat(600);
        Collected first = Collected.drain(engine.submit(LlamaEngineTest.text(longPrompt), LlamaEngineTest.greedy(50, List.of())));
        assertThat(first.usage().promptTokens()).isGreaterThan(1024 / 4);
        assertThat(first.usage().completionTokens()).isEqualTo(50);
        // another long one needs the room the first's cache holds: it is freed, not refused
        Collected second = Collected.drain(engine.submit(LlamaEngineTest.text("other " + longPrompt),
                LlamaEngineTest.greedy(50, List.of())));
        assertThat(second.usage().completionTokens()).isEqualTo(50);
        // a conversation that outgrows the context ends with finish reason length
        Collected endless = Collected.drain(engine.submit(LlamaEngineTest.text(longPrompt), LlamaEngineTest.greedy(2000, List.of())));
        assertThat(endless.reason()).isEqualTo(FinishReason.LENGTH);
        // the last token sampled is never decoded, so it takes no cell
        assertThat(endless.usage().promptTokens() + endless.usage().completionTokens()).isLessThanOrEqualTo(1025);
    }

    @Test
    void unloadFailsWaitingRequestsAndFreesTheSlots() throws Exception {
        start(1, 2);
        Generation running = engine.submit(LlamaEngineTest.text("one"), LlamaEngineTest.greedy(1000, List.of()));
        assertThat(running.next(10, TimeUnit.SECONDS)).isInstanceOf(GenerationEvent.Text.class);
        engine.holdSteps(true); // it may not finish before the unload, however slow this thread is
        Generation waiting = engine.submit(LlamaEngineTest.text("two"), LlamaEngineTest.greedy(5, List.of()));
        engine.unload();
        assertThat(Collected.drain(running).failure().error().kind()).isEqualTo(Problem.Kind.UNAVAILABLE);
        assertThat(Collected.drain(waiting).failure().error().getMessage()).contains("unloaded");
        assertThat(engine.status().model()).isNull();
        assertThatThrownBy(() -> engine.submit(LlamaEngineTest.text("x"), LlamaEngineTest.greedy(1, List.of())))
                .isInstanceOf(Problem.class).hasMessageContaining("no model loaded");
    }
}
