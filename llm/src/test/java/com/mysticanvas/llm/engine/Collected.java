package com.mysticanvas.llm.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Everything a generation reported, read to its end. */
record Collected(List<String> pieces, FinishReason reason, Usage usage, GenerationEvent.Failed failure) {
    String text() {
        return String.join("", pieces);
    }

    static Collected drain(Generation g) throws InterruptedException {
        List<String> pieces = new ArrayList<>();
        while (true) {
            GenerationEvent e = g.next(30, TimeUnit.SECONDS);
            switch (e) {
                case null -> throw new AssertionError("no event within 30 s");
                case GenerationEvent.Text t -> pieces.add(t.text());
                case GenerationEvent.Done d -> {
                    return new Collected(pieces, d.reason(), d.usage(), null);
                }
                case GenerationEvent.Failed f -> {
                    return new Collected(pieces, null, null, f);
                }
            }
        }
    }
}
