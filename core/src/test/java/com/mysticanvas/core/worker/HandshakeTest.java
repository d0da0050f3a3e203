package com.mysticanvas.core.worker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HandshakeTest {
    @Test
    void readyLineRoundTrips() {
        assertThat(Handshake.parse(Handshake.readyLine(41234))).hasValue(41234);
        assertThat(Handshake.parse("MYSTI_READY port=80\r")).hasValue(80);
    }

    @Test
    void otherLinesAreNotHandshakes() {
        assertThat(Handshake.parse("[INFO] MYSTI_READY port=1234")).isEmpty();
        assertThat(Handshake.parse("MYSTI_READY port=")).isEmpty();
        assertThat(Handshake.parse("MYSTI_READY port=0")).isEmpty();
        assertThat(Handshake.parse("MYSTI_READY port=70000")).isEmpty();
        assertThat(Handshake.parse("MYSTI_READY port=12a")).isEmpty();
    }

    @Test
    void secretComparisonNeedsTheExactSecret() {
        byte[] secret = "s3cret".getBytes();
        assertThat(WorkerServer.matches(secret, "s3cret")).isTrue();
        assertThat(WorkerServer.matches(secret, "s3cre")).isFalse();
        assertThat(WorkerServer.matches(secret, "s3cret ")).isFalse();
        assertThat(WorkerServer.matches(secret, null)).isFalse();
    }
}
