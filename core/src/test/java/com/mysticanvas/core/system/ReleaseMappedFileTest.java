package com.mysticanvas.core.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mapped weights given back before a VAE decode: resident pages go, contents stay. */
class ReleaseMappedFileTest {
    @TempDir
    Path dir;

    @Test
    void residentPagesOfAMappedFileAreReleasedAndReadBackIntact() throws Exception {
        Path file = dir.resolve("weights.bin");
        byte[] data = new byte[64 << 20];
        for (int i = 0; i < data.length; i += 4096) {
            data[i] = (byte) (i >>> 12);
        }
        Files.write(file, data);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, data.length);
            long sum = touch(map);
            long before = rssFileKb();
            assertThat(NativeHeap.releaseMappedFile(file)).isGreaterThanOrEqualTo(data.length);
            assertThat(rssFileKb()).as("file-backed RSS").isLessThan(before - (32 << 10));
            assertThat(touch(map)).as("the same bytes come back").isEqualTo(sum);
        }
    }

    private static long touch(ByteBuffer map) {
        long sum = 0;
        for (int i = 0; i < map.capacity(); i += 4096) {
            sum += map.get(i);
        }
        return sum;
    }

    private static long rssFileKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("RssFile:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no RssFile");
    }
}
