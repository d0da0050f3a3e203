package com.mysticanvas.sd.safetensors;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The entries of a zip file as {@code torch.save} writes it (entries stored, not compressed; zip64 for files over
 * 4 GB), found through the central directory: each entry's name, and where its bytes start and how many there are,
 * so a tensor's storage can be mapped in place.
 */
final class TorchZip {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int END = 0x06054b50;
    private static final int END64_LOCATOR = 0x07064b50;
    private static final int END64 = 0x06064b50;
    private static final int CENTRAL = 0x02014b50;
    private static final int LOCAL = 0x04034b50;

    /** An entry's bytes: absolute offset in the file and length. */
    record Entry(long offset, long length) {}

    private TorchZip() {}

    /** True when the file starts as a zip does. */
    static boolean isZip(MemorySegment file) {
        return file.byteSize() >= 4 && file.get(INT, 0) == LOCAL;
    }

    /** The stored entries by name; a compressed one, or a directory that does not add up, is an error naming the file. */
    static Map<String, Entry> entries(String name, MemorySegment file) {
        long size = file.byteSize();
        long end = -1;
        for (long p = size - 22; p >= Math.max(0, size - 22 - 65535); p--) {
            if (file.get(INT, p) == END) {
                end = p;
                break;
            }
        }
        if (end < 0) {
            throw new ModelFileException(name, "not a readable zip: its end-of-directory record is missing (truncated?)");
        }
        long count = Short.toUnsignedInt(file.get(SHORT, end + 10));
        long directory = Integer.toUnsignedLong(file.get(INT, end + 16));
        if (end >= 20 && file.get(INT, end - 20) == END64_LOCATOR) {
            long end64 = file.get(LONG, end - 20 + 8);
            check(name, end64 >= 0 && end64 + 56 <= size && file.get(INT, end64) == END64, "its zip64 directory is damaged");
            count = file.get(LONG, end64 + 32);
            directory = file.get(LONG, end64 + 48);
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        long p = directory;
        for (long i = 0; i < count; i++) {
            check(name, p >= 0 && p + 46 <= size && file.get(INT, p) == CENTRAL, "its zip directory is damaged");
            int method = Short.toUnsignedInt(file.get(SHORT, p + 10));
            long compressed = Integer.toUnsignedLong(file.get(INT, p + 20));
            long uncompressed = Integer.toUnsignedLong(file.get(INT, p + 24));
            int nameLength = Short.toUnsignedInt(file.get(SHORT, p + 28));
            int extraLength = Short.toUnsignedInt(file.get(SHORT, p + 30));
            int commentLength = Short.toUnsignedInt(file.get(SHORT, p + 32));
            long local = Integer.toUnsignedLong(file.get(INT, p + 42));
            check(name, p + 46 + nameLength + extraLength <= size, "its zip directory is damaged");
            String entry = new String(file.asSlice(p + 46, nameLength).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            // Zip64: the fields set to 0xFFFFFFFF come, in this order, from the 0x0001 extra field.
            for (long x = p + 46 + nameLength; x + 4 <= p + 46 + nameLength + extraLength; ) {
                int id = Short.toUnsignedInt(file.get(SHORT, x));
                int length = Short.toUnsignedInt(file.get(SHORT, x + 2));
                if (id == 1) {
                    long v = x + 4;
                    if (uncompressed == 0xFFFFFFFFL) {
                        uncompressed = file.get(LONG, v);
                        v += 8;
                    }
                    if (compressed == 0xFFFFFFFFL) {
                        compressed = file.get(LONG, v);
                        v += 8;
                    }
                    if (local == 0xFFFFFFFFL) {
                        local = file.get(LONG, v);
                    }
                }
                x += 4 + length;
            }
            check(name, method == 0, "entry " + entry + " is compressed; torch.save stores its entries uncompressed");
            check(name, local >= 0 && local + 30 <= size && file.get(INT, local) == LOCAL, "entry " + entry + " is damaged");
            long data = local + 30 + Short.toUnsignedInt(file.get(SHORT, local + 26))
                    + Short.toUnsignedInt(file.get(SHORT, local + 28));
            check(name, data + uncompressed <= size, "entry " + entry + " runs past the end of the file (truncated?)");
            entries.put(entry, new Entry(data, uncompressed));
            p += 46 + nameLength + extraLength + commentLength;
        }
        return entries;
    }

    private static void check(String name, boolean ok, String problem) {
        if (!ok) {
            throw new ModelFileException(name, "not a readable torch file: " + problem);
        }
    }
}
