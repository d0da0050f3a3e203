package com.mysticanvas.llm.llama;

import static org.assertj.core.api.Assertions.assertThat;

import com.mysticanvas.core.system.ComputeDevice;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The devices ggml's backends list, as a worker's health reports them, on the bundled libraries. */
class LlamaDevicesTest {
    @Test
    void theCpuIsListedWithTheMachinesMemoryAndAGpuOnlyWhereTheBuildHasOne() {
        List<ComputeDevice> devices = Llama.devices();
        ComputeDevice cpu = devices.stream().filter(d -> d.type().equals("cpu")).findFirst().orElseThrow();
        assertThat(cpu.name()).isEqualTo("CPU");
        assertThat(cpu.description()).isNotBlank();
        assertThat(cpu.memoryTotal()).as("ggml's CPU device reports the RAM").isGreaterThanOrEqualTo(cpu.memoryFree()).isGreaterThan(0L);
        boolean gpu = devices.stream().anyMatch(ComputeDevice::isGpu);
        assertThat(Llama.gpuFreeBytes() >= 0).as("free VRAM is known exactly when a GPU is listed").isEqualTo(gpu);
    }
}
