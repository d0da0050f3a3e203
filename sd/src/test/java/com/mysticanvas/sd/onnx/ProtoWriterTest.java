package com.mysticanvas.sd.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import com.mysticanvas.sd.pipeline.Sessions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProtoWriterTest {
    @Test
    void encodesTheWireFormatAsTheProtobufDocsShowIt() {
        // protobuf's encoding guide: field 1 = 150 is 08 96 01; field 2 = "testing" is 12 07 74 65 73 74 69 6e 67
        assertThat(new ProtoWriter().varint(1, 150).toByteArray()).containsExactly(0x08, 0x96, 0x01);
        assertThat(new ProtoWriter().string(2, "testing").toByteArray())
                .containsExactly(0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67);
        // negative int64: ten bytes
        assertThat(new ProtoWriter().varint(1, -1).toByteArray()).hasSize(11).endsWith(0x01);
        // float 1.0f = 0x3f800000 little-endian with tag (1<<3)|5
        assertThat(new ProtoWriter().floatField(1, 1f).toByteArray()).containsExactly(0x0d, 0x00, 0x00, 0x80, 0x3f);
        assertThat(new ProtoWriter().packedInt64(4, new long[] {3, 270}).toByteArray())
                .containsExactly(0x22, 0x03, 0x03, 0x8e, 0x02);
        assertThat(new ProtoWriter().message(3, new ProtoWriter().varint(1, 150)).toByteArray())
                .containsExactly(0x1a, 0x03, 0x08, 0x96, 0x01);
    }

    @Test
    void onnxRuntimeRunsAGraphWeWrote() throws Exception {
        OnnxGraph g = new OnnxGraph("t");
        String x = g.input("x", OnnxGraph.FLOAT, "n", 3L);
        String y = g.op("Mul", g.op("Add", x, g.constant(new long[] {3}, 1, 2, 3)), g.scalar(2));
        String s = g.op("Softmax", y, Attr.i("axis", -1));
        String ms = g.op(OnnxGraph.MICROSOFT, "MultiHeadAttention",
                List.of(g.op("Unsqueeze", y, g.longs(0)), g.op("Unsqueeze", y, g.longs(0)), g.op("Unsqueeze", y, g.longs(0))),
                1, Attr.i("num_heads", 1))[0];
        g.output(y, "y", OnnxGraph.FLOAT, "n", 3L);
        g.output(s, "s", OnnxGraph.FLOAT, "n", 3L);
        g.output(ms, "m", OnnxGraph.FLOAT, 1L, "n", 3L);
        try (OrtSession session = Sessions.create(g, Path.of("."), Map.of(), 1);
             OnnxTensor in = OnnxTensor.createTensor(Sessions.env(), new float[][] {{0, 0, 0}, {1, 1, 1}});
             OrtSession.Result r = session.run(Map.of("x", in))) {
            float[][] out = (float[][]) r.get("y").get().getValue();
            assertThat(out[0]).containsExactly(2, 4, 6);
            assertThat(out[1]).containsExactly(4, 6, 8);
            float[][] soft = (float[][]) r.get("s").get().getValue();
            assertThat(soft[0][0] + soft[0][1] + soft[0][2]).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-6f));
        }
    }
}
