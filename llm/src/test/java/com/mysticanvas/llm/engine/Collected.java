package com.mysticanvas.llm.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Everything a generation reported, read to its end. */
record Collected(List<String> pieces, List<GenerationEvent.Logprob> logprobs, FinishReason reason, Usage usage,
                 GenerationEvent.Failed failure) {
    String text() {
        return String.join("", pieces);
    }

    static Collected drain(Generation g) throws InterruptedException {
        List<String> pieces = new ArrayList<>();
        List<GenerationEvent.Logprob> logprobs = new ArrayList<>();
        while (true) {
            GenerationEvent e = g.next(30, TimeUnit.SECONDS);
            switch (e) {
                case null -> throw new AssertionError("no event within 30 s");
                case GenerationEvent.Text t -> pieces.add(t.text());
                case GenerationEvent.Logprob l -> logprobs.add(l);
                case GenerationEvent.Done d -> {
                    return new Collected(pieces, logprobs, d.reason(), d.usage(), null);
                }
                case GenerationEvent.Failed f -> {
                    return new Collected(pieces, logprobs, null, null, f);
                }
            }
        }
    }
}
