package com.mysticanvas.orchestrator.memory;

import com.fasterxml.jackson.databind.JsonNode;
import com.mysticanvas.core.Problem;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unloads the language model once it has been idle for its keep-alive time, as Ollama does: {@code --llm-keep-alive}
 * (default: never), or the last request's {@code keep_alive} ("5m", "30s", seconds as a number, 0: right after it,
 * negative: never). Idle means no generation request in flight through the orchestrator.
 */
public final class LlmKeepAlive {
    private static final Logger LOG = LoggerFactory.getLogger(LlmKeepAlive.class);
    private static final Pattern DURATION = Pattern.compile("(-?\\d+(?:\\.\\d+)?)(ms|s|m|h)?");

    private final Duration defaultKeepAlive;
    private final Supplier<String> loaded;
    private final Runnable unload;
    private int inFlight;
    private long lastUse = System.nanoTime();
    private Duration keepAlive;

    /** @param defaultKeepAlive null: forever */
    public LlmKeepAlive(Duration defaultKeepAlive, Supplier<String> loaded, Runnable unload) {
        this.defaultKeepAlive = defaultKeepAlive;
        this.keepAlive = defaultKeepAlive;
        this.loaded = loaded;
        this.unload = unload;
        Thread.ofVirtual().name("llm-keep-alive").start(this::watch);
    }

    /** A generation request starts; its {@code keep_alive} (if any) applies once it ends. */
    public synchronized void begin(JsonNode keepAliveField) {
        inFlight++;
        keepAlive = keepAliveField == null || keepAliveField.isNull() ? defaultKeepAlive : parse(keepAliveField.asText());
    }

    public synchronized void end() {
        inFlight = Math.max(0, inFlight - 1);
        lastUse = System.nanoTime();
        notifyAll();
    }

    /** Ollama's keep-alive: a duration ("5m", "1h", "30s", "250ms"), or seconds; negative: forever (null). */
    public static Duration parse(String text) {
        Matcher m = DURATION.matcher(text.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw Problem.badInput("keep_alive must be a duration such as 5m, 30s or 1h, or seconds; got '" + text + "'");
        }
        double value = Double.parseDouble(m.group(1));
        if (value < 0) {
            return null;
        }
        double millis = value * switch (m.group(2) == null ? "s" : m.group(2)) {
            case "ms" -> 1;
            case "m" -> 60_000;
            case "h" -> 3_600_000;
            default -> 1_000;
        };
        return Duration.ofMillis((long) millis);
    }

    private void watch() {
        while (true) {
            try {
                synchronized (this) {
                    long waitMs = keepAlive == null || inFlight > 0 ? 1_000
                            : Math.max(1, keepAlive.toMillis() - (System.nanoTime() - lastUse) / 1_000_000);
                    wait(Math.min(waitMs, 1_000));
                    boolean idle = inFlight == 0 && keepAlive != null
                            && (System.nanoTime() - lastUse) / 1_000_000 >= keepAlive.toMillis();
                    if (!idle || loaded.get() == null) {
                        continue;
                    }
                    keepAlive = defaultKeepAlive; // once unloaded, the next load starts afresh
                }
                LOG.info("unloading the language model: idle for its keep-alive time");
                unload.run();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("could not unload the idle language model: {}", e.getMessage());
            }
        }
    }
}
