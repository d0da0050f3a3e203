package com.mysticanvas.llm.tools;

import java.security.SecureRandom;

/** OpenAI-style tool-call ids: {@code call_} and 24 random letters and digits. */
final class ToolCallIds {
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private ToolCallIds() {}

    static String next() {
        StringBuilder id = new StringBuilder("call_");
        for (int i = 0; i < 24; i++) {
            id.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return id.toString();
    }
}
