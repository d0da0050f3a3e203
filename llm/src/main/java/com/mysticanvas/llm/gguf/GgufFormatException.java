package com.mysticanvas.llm.gguf;

/** A file that is not a valid GGUF; the message says what is wrong and where. */
public class GgufFormatException extends RuntimeException {
    public GgufFormatException(String message) {
        super(message);
    }
}
