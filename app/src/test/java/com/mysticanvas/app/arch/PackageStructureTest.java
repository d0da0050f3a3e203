package com.mysticanvas.app.arch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The folder layout shows the architecture, so it is checked: no package depends on itself through others, the
 * orchestrator's root holds only its wiring and config, and the orchestrator's code refers to no engine module.
 * Read from the product sources (this test runs in app/, beside the other modules).
 */
class PackageStructureTest {
    private static final List<String> MODULES = List.of("core", "llm", "sd", "orchestrator", "app");
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    /** Any mention of one of our classes by its package: imports and fully qualified names alike. */
    private static final Pattern REFERENCE = Pattern.compile("\\b(com\\.mysticanvas(?:\\.[a-z]\\w*)+)\\.[A-Z]");

    /** Package -> the packages of ours it refers to. */
    private static Map<String, Set<String>> dependencies() throws IOException {
        Map<String, Set<String>> graph = new TreeMap<>();
        for (String module : MODULES) {
            Path sources = Path.of("..", module, "src", "main", "java");
            try (Stream<Path> files = Files.walk(sources)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    String text = Files.readString(file);
                    Matcher p = PACKAGE.matcher(text);
                    assertThat(p.find()).as("package line of %s", file).isTrue();
                    Set<String> uses = graph.computeIfAbsent(p.group(1), k -> new TreeSet<>());
                    Matcher r = REFERENCE.matcher(text);
                    while (r.find()) {
                        if (!r.group(1).equals(p.group(1))) {
                            uses.add(r.group(1));
                        }
                    }
                }
            }
        }
        return graph;
    }

    @Test
    void noPackageDependsOnItselfThroughOthers() throws IOException {
        Map<String, Set<String>> graph = dependencies();
        assertThat(graph).containsKeys("com.mysticanvas.orchestrator.workers", "com.mysticanvas.core.http");
        assertThat(cycles(graph)).isEmpty();
    }

    @Test
    void theOrchestratorsRootIsItsWiringAndItsCodeKnowsNoEngine() throws IOException {
        try (Stream<Path> root = Files.list(Path.of("../orchestrator/src/main/java/com/mysticanvas/orchestrator"))) {
            assertThat(root.filter(Files::isRegularFile).map(f -> f.getFileName().toString()).sorted())
                    .containsExactly("Orchestrator.java", "OrchestratorConfig.java");
        }
        dependencies().forEach((pkg, uses) -> {
            if (pkg.startsWith("com.mysticanvas.orchestrator")) {
                assertThat(uses).as(pkg).noneMatch(u -> u.startsWith("com.mysticanvas.llm") || u.startsWith("com.mysticanvas.sd"));
            }
        });
    }

    /** The strongly connected groups of more than one package (Tarjan's algorithm), each as a sorted list. */
    private static List<List<String>> cycles(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        List<List<String>> found = new ArrayList<>();
        for (String start : graph.keySet()) {
            if (!index.containsKey(start)) {
                connect(start, graph, index, low, stack, found);
            }
        }
        return found;
    }

    private static void connect(String v, Map<String, Set<String>> graph, Map<String, Integer> index,
                                Map<String, Integer> low, Deque<String> stack, List<List<String>> found) {
        index.put(v, index.size());
        low.put(v, index.get(v));
        stack.push(v);
        for (String w : graph.getOrDefault(v, Set.of())) {
            if (!graph.containsKey(w)) {
                continue; // not one of ours
            }
            if (!index.containsKey(w)) {
                connect(w, graph, index, low, stack, found);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (stack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            List<String> group = new ArrayList<>();
            String w;
            do {
                w = stack.pop();
                group.add(w);
            } while (!w.equals(v));
            if (group.size() > 1) {
                found.add(group.stream().sorted().toList());
            }
        }
    }
}
