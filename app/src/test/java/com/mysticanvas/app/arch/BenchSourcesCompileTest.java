package com.mysticanvas.app.arch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark programs (bench/java, compiled by the bench scripts against the jar) still compile against the product. */
class BenchSourcesCompileTest {
    @Test
    void benchmarksCompileAgainstTheProductClasses(@TempDir Path out) throws Exception {
        List<String> args = new ArrayList<>(List.of("-d", out.toString(), "-cp", System.getProperty("java.class.path"),
                "-proc:none", "-Xlint:none"));
        try (Stream<Path> sources = Files.list(Path.of("../bench/java"))) {
            sources.filter(p -> p.toString().endsWith(".java")).map(Path::toString).sorted().forEach(args::add);
        }
        assertThat(args).anyMatch(a -> a.endsWith("SdBench.java"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = javac.run(null, errors, errors, args.toArray(String[]::new));
        assertThat(rc).as(errors.toString()).isZero();
    }
}
