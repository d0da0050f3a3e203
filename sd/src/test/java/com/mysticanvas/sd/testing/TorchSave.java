package com.mysticanvas.sd.testing;

import com.mysticanvas.sd.safetensors.DType;
import com.mysticanvas.sd.safetensors.SafeTensors;
import com.mysticanvas.sd.safetensors.TensorInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a safetensors file's tensors as {@code torch.save} would ({@code {"state_dict": {...}}} pickled with
 * protocol 2 into a zip of stored entries), so a test can load a whole checkpoint from a {@code .ckpt}. The reader
 * itself is checked against files torch wrote (resources {@code torch/}); this only makes bigger ones.
 */
public final class TorchSave {
    private TorchSave() {}

    public static void write(SafeTensors source, Path file) throws IOException {
        ByteArrayOutputStream pickle = new ByteArrayOutputStream();
        pickle.write(new byte[] {(byte) 0x80, 2, '}'}); // PROTO 2, EMPTY_DICT
        unicode(pickle, "state_dict");
        pickle.write('}');
        pickle.write('(');
        int key = 0;
        for (Map.Entry<String, TensorInfo> e : source.tensors().entrySet()) {
            TensorInfo t = e.getValue();
            unicode(pickle, e.getKey());
            global(pickle, "torch._utils", "_rebuild_tensor_v2");
            pickle.write('(');
            pickle.write('(');
            unicode(pickle, "storage");
            global(pickle, "torch", storage(t.dtype()));
            unicode(pickle, Integer.toString(key++));
            unicode(pickle, "cpu");
            integer(pickle, (int) t.elements());
            pickle.write('t');
            pickle.write('Q'); // BINPERSID
            integer(pickle, 0);
            pickle.write('(');
            for (long d : t.shape()) {
                integer(pickle, (int) d);
            }
            pickle.write('t');
            pickle.write('(');
            long stride = 1;
            long[] strides = new long[t.rank()];
            for (int i = t.rank() - 1; i >= 0; i--) {
                strides[i] = stride;
                stride *= t.dim(i);
            }
            for (long s : strides) {
                integer(pickle, (int) s);
            }
            pickle.write('t');
            pickle.write(0x89); // requires_grad False
            global(pickle, "collections", "OrderedDict");
            pickle.write(')');
            pickle.write('R');
            pickle.write('t');
            pickle.write('R');
        }
        pickle.write('u'); // SETITEMS
        pickle.write('s'); // SETITEM state_dict
        pickle.write('.');
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            stored(zip, "archive/data.pkl", pickle.toByteArray());
            int k = 0;
            for (TensorInfo t : source.tensors().values()) {
                stored(zip, "archive/data/" + k++, source.data(t).toArray(ValueLayout.JAVA_BYTE));
            }
            stored(zip, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static String storage(DType dtype) {
        return switch (dtype) {
            case F32 -> "FloatStorage";
            case F16 -> "HalfStorage";
            case BF16 -> "BFloat16Storage";
            case I64 -> "LongStorage";
            default -> throw new IllegalArgumentException(dtype.name());
        };
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    private static void unicode(OutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write('X');
        int n = b.length;
        out.write(new byte[] {(byte) n, (byte) (n >> 8), (byte) (n >> 16), (byte) (n >> 24)});
        out.write(b);
    }

    private static void global(OutputStream out, String module, String name) throws IOException {
        out.write(('c' + module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private static void integer(OutputStream out, int v) throws IOException {
        out.write('J');
        out.write(new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)});
    }
}
