import COpenBLAS
import Foundation

/// OpenBLAS reads its environment once, when it loads: what we want different is set here and the
/// program started again once (a value the user set always wins).
enum OpenBLASSetup {
    static func configure() {
        var changed = false
        // Idle workers spin for about 2^28 cycles after each GEMM, taking a core from the Dispatch workers
        // that run ReLU, pooling and the epilogues in between (measured: ReLU and pooling backward about
        // 40% slower, one iteration about 8%). 2^4 cycles instead.
        if getenv("OPENBLAS_THREAD_TIMEOUT") == nil {
            setenv("OPENBLAS_THREAD_TIMEOUT", "4", 1)
            changed = true
        }
        // OpenBLAS 0.3.21 does not know CPUs newer than itself and falls back to its SSE3 kernels
        // ("Prescott"): on a Xeon of family 6 model 207 one relu4_3 iteration at 640×360 took 2.5 s with
        // them and 1.2 s with the SkylakeX kernels the CPU can run.
        if getenv("OPENBLAS_CORETYPE") == nil, let core = betterCore(than: String(cString: openblas_get_corename()), flags: cpuFlags()) {
            setenv("OPENBLAS_CORETYPE", core, 1)
            changed = true
        }
        guard changed else { return }
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // execv returns only on failure: carry on as loaded.
    }

    /// The kernels to ask for when the ones OpenBLAS chose use less of the CPU than it has: SkylakeX with
    /// AVX-512 (F, BW, DQ, VL), Haswell with AVX2 and FMA; nil when its choice is as good.
    static func betterCore(than loaded: String, flags: Set<String>) -> String? {
        let avx512 = ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains)
        let avx2 = ["avx2", "fma"].allSatisfy(flags.contains)
        let name = loaded.lowercased()
        let usesAVX512 = ["skylakex", "cooperlake", "sapphirerapids"].contains(name)
        let usesAVX2 = usesAVX512 || ["haswell", "zen", "skylake"].contains(name)
        if avx512 && !usesAVX512 { return "SkylakeX" }
        if avx2 && !usesAVX2 { return "Haswell" }
        return nil
    }

    /// The CPU's feature flags from /proc/cpuinfo (empty where there is none).
    static func cpuFlags() -> Set<String> {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
        return Set(line.split(separator: ":").last?.split(separator: " ").map(String.init) ?? [])
    }

    /// What OpenBLAS runs on, for benchmarks.
    static var coreName: String { String(cString: openblas_get_corename()) }
}
