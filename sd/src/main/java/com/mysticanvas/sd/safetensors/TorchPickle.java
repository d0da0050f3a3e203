package com.mysticanvas.sd.safetensors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A restricted reader of the pickle in a {@code torch.save} file ({@code .ckpt}, {@code .pt}, {@code .pth}): it
 * rebuilds dicts, lists, numbers, strings and tensors (torch's {@code _rebuild_tensor_v2} over the file's storages)
 * and nothing else, as torch's own {@code weights_only=True} loader does. A pickle that names any other callable
 * (the way a malicious file runs code) is refused before anything is called; nothing from the file is ever
 * executed. A few harmless classes that training tools leave in checkpoints (numpy scalars, Lightning's callback
 * state) become opaque placeholders.
 */
final class TorchPickle {
    /** A tensor as the pickle describes it: its storage (dtype and zip entry key), element offset, size, stride. */
    record TensorRef(DType dtype, String storage, long offset, long[] size, long[] stride) {}

    private record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    private record Storage(DType dtype, String key) {}

    /** Something the file holds that we neither need nor run. */
    private record Opaque(String what) {}

    private static final Object MARK = new Object();

    private static final Map<String, DType> STORAGES = Map.ofEntries(
            Map.entry("FloatStorage", DType.F32), Map.entry("HalfStorage", DType.F16),
            Map.entry("BFloat16Storage", DType.BF16), Map.entry("DoubleStorage", DType.F64),
            Map.entry("LongStorage", DType.I64), Map.entry("IntStorage", DType.I32), Map.entry("ShortStorage", DType.I16),
            Map.entry("CharStorage", DType.I8), Map.entry("ByteStorage", DType.U8), Map.entry("BoolStorage", DType.BOOL));

    /** Callables rebuilt as placeholders: data, never code, in checkpoints written by common training tools. */
    private static final Set<String> OPAQUE = Set.of("numpy.core.multiarray.scalar", "numpy.core.multiarray._reconstruct",
            "numpy.dtype", "numpy.ndarray", "_codecs.encode", "builtins.set", "__builtin__.set",
            "pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint", "torch.torch_version.TorchVersion");

    private final String file;
    private final ByteBuffer in;
    private final List<Object> stack = new ArrayList<>();
    private final Map<Long, Object> memo = new LinkedHashMap<>();

    private TorchPickle(String file, byte[] pickle) {
        this.file = file;
        this.in = ByteBuffer.wrap(pickle).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The object the pickle holds; tensors in it are {@link TensorRef}s. */
    static Object read(String file, byte[] pickle) {
        try {
            return new TorchPickle(file, pickle).run();
        } catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException | ClassCastException e) {
            throw new ModelFileException(file, "its pickle is damaged (" + e.getClass().getSimpleName() + ")");
        }
    }

    private Object run() {
        while (true) {
            int op = in.get() & 0xff;
            switch (op) {
                case 0x80 -> in.get(); // PROTO
                case 0x95 -> in.getLong(); // FRAME
                case '.' -> { // STOP
                    return pop();
                }
                case '(' -> stack.add(MARK);
                case '}' -> stack.add(new LinkedHashMap<Object, Object>());
                case ']' -> stack.add(new ArrayList<Object>());
                case ')' -> stack.add(new Object[0]);
                case 'N' -> stack.add(null);
                case 0x88 -> stack.add(Boolean.TRUE);
                case 0x89 -> stack.add(Boolean.FALSE);
                case 'J' -> stack.add((long) in.getInt());
                case 'K' -> stack.add((long) (in.get() & 0xff));
                case 'M' -> stack.add((long) (in.getShort() & 0xffff));
                case 0x8a -> stack.add(long1(in.get() & 0xff));
                case 'G' -> { // BINFLOAT: big-endian, unlike the rest
                    double d = in.order(ByteOrder.BIG_ENDIAN).getDouble();
                    in.order(ByteOrder.LITTLE_ENDIAN);
                    stack.add(d);
                }
                case 'X' -> stack.add(text(in.getInt()));
                case 0x8c -> stack.add(text(in.get() & 0xff));
                case 0x8d -> stack.add(text(Math.toIntExact(in.getLong())));
                case 'C' -> stack.add(bytes(in.get() & 0xff));
                case 'B' -> stack.add(bytes(in.getInt()));
                case 'c' -> stack.add(global(line(), line()));
                case 0x93 -> {
                    String name = (String) pop();
                    stack.add(global((String) pop(), name));
                }
                case 'q' -> memo.put((long) (in.get() & 0xff), top());
                case 'r' -> memo.put(Integer.toUnsignedLong(in.getInt()), top());
                case 0x94 -> memo.put((long) memo.size(), top());
                case 'h' -> stack.add(memo.get((long) (in.get() & 0xff)));
                case 'j' -> stack.add(memo.get(Integer.toUnsignedLong(in.getInt())));
                case 't' -> stack.add(popToMark().toArray());
                case 0x85 -> stack.add(new Object[] {pop()});
                case 0x86 -> {
                    Object b = pop();
                    stack.add(new Object[] {pop(), b});
                }
                case 0x87 -> {
                    Object c = pop();
                    Object b = pop();
                    stack.add(new Object[] {pop(), b, c});
                }
                case 'l' -> stack.add(popToMark());
                case 'd' -> stack.add(dict(popToMark()));
                case 's' -> {
                    Object value = pop();
                    Object key = pop();
                    map(top()).put(key, value);
                }
                case 'u' -> {
                    List<Object> items = popToMark();
                    map(top()).putAll(dict(items));
                }
                case 'a' -> {
                    Object value = pop();
                    list(top()).add(value);
                }
                case 'e' -> {
                    List<Object> items = popToMark();
                    list(top()).addAll(items);
                }
                case 0x8f -> stack.add(new Opaque("set"));
                case 0x90 -> popToMark(); // ADDITEMS to a set we do not keep
                case 0x91 -> {
                    popToMark();
                    stack.add(new Opaque("frozenset"));
                }
                case 'Q' -> stack.add(persistent(pop()));
                case 'R' -> {
                    Object[] args = (Object[]) pop();
                    stack.add(call(pop(), args));
                }
                case 0x81 -> { // NEWOBJ
                    Object[] args = (Object[]) pop();
                    stack.add(call(pop(), args));
                }
                case 'b' -> { // BUILD: state for an object we keep opaque, or an OrderedDict's items
                    Object state = pop();
                    if (top() instanceof Map<?, ?> m && state instanceof Map<?, ?> s) {
                        map(m).putAll(s);
                    }
                }
                default -> throw new ModelFileException(file, "its pickle uses opcode 0x" + Integer.toHexString(op)
                        + ", which the restricted reader does not take");
            }
        }
    }

    /** Only the callables a tensor file needs; any other is refused before anything is called. */
    private Global global(String module, String name) {
        Global g = new Global(module, name);
        String q = g.qualified();
        boolean allowed = q.equals("collections.OrderedDict") || q.equals("torch._utils._rebuild_tensor_v2")
                || q.equals("torch._utils._rebuild_parameter") || q.equals("torch._utils._rebuild_parameter_with_state")
                || module.equals("torch") && STORAGES.containsKey(name) || OPAQUE.contains(q);
        if (!allowed) {
            throw new ModelFileException(file, "its pickle asks to call " + q + "; only tensors are read from pickle "
                    + "files (as torch's weights_only loader does), so it is refused. A file that runs code when "
                    + "loaded may be malicious: prefer its .safetensors version");
        }
        return g;
    }

    private Object call(Object callable, Object[] args) {
        if (!(callable instanceof Global g)) {
            throw new ModelFileException(file, "its pickle calls something that is not a known function");
        }
        return switch (g.qualified()) {
            case "collections.OrderedDict" -> new LinkedHashMap<Object, Object>();
            case "torch._utils._rebuild_tensor_v2" -> {
                Storage s = (Storage) args[0];
                yield new TensorRef(s.dtype(), s.key(), (Long) args[1], longs(args[2]), longs(args[3]));
            }
            case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> args[0];
            default -> new Opaque(g.qualified());
        };
    }

    /** torch's persistent ids: ('storage', storage type, key, location, size). */
    private Object persistent(Object pid) {
        Object[] t = (Object[]) pid;
        if (t.length < 3 || !"storage".equals(t[0]) || !(t[1] instanceof Global type) || !STORAGES.containsKey(type.name())) {
            throw new ModelFileException(file, "its pickle refers to something that is not a tensor storage");
        }
        return new Storage(STORAGES.get(type.name()), String.valueOf(t[2]));
    }

    private static long[] longs(Object tuple) {
        Object[] t = (Object[]) tuple;
        long[] out = new long[t.length];
        for (int i = 0; i < t.length; i++) {
            out[i] = (Long) t[i];
        }
        return out;
    }

    private long long1(int n) {
        byte[] b = new byte[n];
        in.get(b);
        long v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = (v << 8) | (b[i] & 0xff);
        }
        if (n > 0 && n < 8 && (b[n - 1] & 0x80) != 0) {
            v -= 1L << (8 * n);
        }
        return v;
    }

    private String text(int length) {
        return new String(bytes(length), StandardCharsets.UTF_8);
    }

    private byte[] bytes(int length) {
        byte[] b = new byte[length];
        in.get(b);
        return b;
    }

    private String line() {
        StringBuilder s = new StringBuilder();
        for (byte b = in.get(); b != '\n'; b = in.get()) {
            s.append((char) b);
        }
        return s.toString();
    }

    private Object pop() {
        return stack.removeLast();
    }

    private Object top() {
        return stack.getLast();
    }

    private List<Object> popToMark() {
        int mark = stack.lastIndexOf(MARK);
        if (mark < 0) {
            throw new ModelFileException(file, "its pickle is damaged (no mark)");
        }
        List<Object> items = new ArrayList<>(stack.subList(mark + 1, stack.size()));
        stack.subList(mark, stack.size()).clear();
        return items;
    }

    private static Map<Object, Object> dict(List<Object> items) {
        Map<Object, Object> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < items.size(); i += 2) {
            m.put(items.get(i), items.get(i + 1));
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> map(Object o) {
        return (Map<Object, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        return (List<Object>) o;
    }

    /** The tensors of a loaded pickle by dotted key: a checkpoint's {@code state_dict} if it has one, else all. */
    static Map<String, TensorRef> tensors(Object root) {
        Map<String, TensorRef> out = new LinkedHashMap<>();
        if (root instanceof Map<?, ?> m && m.get("state_dict") instanceof Map<?, ?> sd) {
            root = sd; // a Lightning checkpoint, as A1111 reads it
        }
        flatten("", root, out);
        return out;
    }

    private static void flatten(String prefix, Object o, Map<String, TensorRef> out) {
        if (o instanceof TensorRef t) {
            out.put(prefix, t);
        } else if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> flatten(prefix.isEmpty() ? String.valueOf(k) : prefix + "." + k, v, out));
        }
    }
}
