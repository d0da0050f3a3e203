package com.mysticanvas.core.system;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * A device a worker computes on, as its {@code /health} reports it ({@code devices}) and the Models view shows it: the
 * CPU, and each GPU with its memory. A worker on another machine is known only by what it says of itself.
 *
 * @param type        {@code cpu}, {@code gpu} or {@code igpu} (an integrated GPU sharing the RAM)
 * @param name        the engine's name for it ({@code CPU}, {@code CUDA0}, or the GPU's product name)
 * @param description what it is ({@code NVIDIA H200}, the CPU's model), or null
 * @param memoryTotal bytes, or null when unknown
 * @param memoryFree  bytes free now, or null when unknown
 */
public record ComputeDevice(String type, String name, String description,
                            @JsonProperty("memory_total") Long memoryTotal, @JsonProperty("memory_free") Long memoryFree) {
    public static final String CPU = "cpu", GPU = "gpu", IGPU = "igpu";

    public boolean isGpu() {
        return GPU.equals(type) || IGPU.equals(type);
    }

    /** This machine's CPU with its RAM (the model name from /proc/cpuinfo where there is one). */
    public static ComputeDevice thisCpu() {
        SystemMemory.Ram ram = SystemMemory.ram();
        return new ComputeDevice(CPU, "CPU", SystemMemory.cpuModel(), ram.total(), ram.available());
    }

    /** The CPU and, where nvidia-smi answers, each NVIDIA GPU (a process start: not for hot paths). */
    public static List<ComputeDevice> thisMachine() {
        List<ComputeDevice> gpus = SystemMemory.nvidiaGpus();
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(thisCpu()), gpus.stream()).toList();
    }
}
