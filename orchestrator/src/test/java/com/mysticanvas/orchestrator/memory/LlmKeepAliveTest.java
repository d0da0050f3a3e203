package com.mysticanvas.orchestrator.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mysticanvas.core.Json;
import com.mysticanvas.core.Problem;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class LlmKeepAliveTest {
    @Test
    void durationsAreReadAsOllamaReadsThem() {
        assertThat(LlmKeepAlive.parse("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(LlmKeepAlive.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(LlmKeepAlive.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(LlmKeepAlive.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(LlmKeepAlive.parse("90")).isEqualTo(Duration.ofSeconds(90));
        assertThat(LlmKeepAlive.parse("0")).isEqualTo(Duration.ZERO);
        assertThat(LlmKeepAlive.parse("-1")).as("forever").isNull();
        assertThatThrownBy(() -> LlmKeepAlive.parse("soon")).isInstanceOf(Problem.class).hasMessageContaining("keep_alive");
    }

    @Test
    void aRequestsKeepAliveOfZeroUnloadsTheModelOnceItEnds() throws Exception {
        AtomicReference<String> loaded = new AtomicReference<>("m.gguf");
        CountDownLatch unloaded = new CountDownLatch(1);
        LlmKeepAlive keepAlive = new LlmKeepAlive(null, loaded::get, () -> {
            loaded.set(null);
            unloaded.countDown();
        });
        keepAlive.begin(Json.MAPPER.getNodeFactory().textNode("0"));
        assertThat(unloaded.getCount()).as("not while the request runs").isEqualTo(1);
        keepAlive.end();
        assertThat(unloaded.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(loaded.get()).isNull();
    }
}
