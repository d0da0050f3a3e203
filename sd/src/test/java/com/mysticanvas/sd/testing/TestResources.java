package com.mysticanvas.sd.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Test fixture files copied out of the classpath, for code that opens model files by path. */
public final class TestResources {
    private TestResources() {}

    /** The resource {@code folder/name} (for instance "/torch", "checkpoint.ckpt") copied to {@code dir/name}. */
    public static Path copy(String folder, String name, Path dir) throws IOException {
        Path p = dir.resolve(name);
        try (InputStream in = TestResources.class.getResourceAsStream(folder + "/" + name)) {
            if (in == null) {
                throw new IOException("no test resource " + folder + "/" + name);
            }
            Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
        }
        return p;
    }
}
