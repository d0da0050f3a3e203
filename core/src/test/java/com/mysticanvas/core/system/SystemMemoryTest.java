package com.mysticanvas.core.system;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SystemMemoryTest {
    @Test
    void nvidiaSmisLinesBecomeGpusWithTheirMemoryInBytes() {
        var gpus = SystemMemory.parseNvidiaSmi("""
                0, NVIDIA H200, 143771, 143254
                1, NVIDIA GeForce RTX 4090, 24564, 1024
                [N/A] driver not loaded
                """);
        assertThat(gpus).containsExactly(
                new ComputeDevice("gpu", "CUDA0", "NVIDIA H200", 143771L << 20, 143254L << 20),
                new ComputeDevice("gpu", "CUDA1", "NVIDIA GeForce RTX 4090", 24564L << 20, 1024L << 20));
        assertThat(SystemMemory.parseNvidiaSmi("")).isEmpty();
    }

    @Test
    void theCpuIsNamedAndHasTheMachinesRam() {
        ComputeDevice cpu = ComputeDevice.thisCpu();
        assertThat(cpu.type()).isEqualTo("cpu");
        assertThat(cpu.isGpu()).isFalse();
        assertThat(cpu.description()).isNotBlank();
        assertThat(cpu.memoryTotal()).isGreaterThan(cpu.memoryFree()).isGreaterThan(0L);
        assertThat(ComputeDevice.thisMachine().getFirst().description()).isEqualTo(cpu.description());
    }
}
