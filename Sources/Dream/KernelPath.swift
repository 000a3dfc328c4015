import CKernels

/// What the products of the fast path are computed in. `auto` is fp32: on the one CPU with AVX512-BF16
/// measured so far (Intel Xeon, family 6 model 207), `vdpbf16ps` ran at half the rate of fp32 FMAs
/// (82 against 168 GFLOP/s a core), so bf16 is slower there; `bf16` forces it where the CPU has it.
public enum Precision: String, Sendable, CaseIterable, CustomStringConvertible {
    case auto, fp32, bf16
    public var description: String { rawValue }
}

/// The instruction set the C kernels run (`Sources/CKernels/kernels_*.c`), and with it the precision of
/// the Winograd products: one this CPU has, chosen at load time or forced.
public struct KernelPath: Sendable, Equatable, CustomStringConvertible {
    let isa: dd_isa

    public static let generic = KernelPath(isa: DD_ISA_GENERIC)
    public static let avx2 = KernelPath(isa: DD_ISA_AVX2)
    public static let avx512 = KernelPath(isa: DD_ISA_AVX512)
    public static let avx512BF16 = KernelPath(isa: DD_ISA_AVX512_BF16)

    public var isSupported: Bool { dd_isa_supported(isa) != 0 }
    public var bf16: Bool { isa == DD_ISA_AVX512_BF16 }
    /// Winograd tile size: F(6×6,3×3) in fp32 (21% fewer products than F(4×4)); bf16 keeps F(4×4), whose
    /// smaller transform coefficients amplify the bf16 rounding less.
    public var tile: Int { bf16 ? 4 : 6 }

    /// Every path this CPU runs, fastest fp32 first, then bf16.
    public static var supported: [KernelPath] { [avx512, avx2, generic, avx512BF16].filter(\.isSupported) }
    /// The fastest fp32 path this CPU runs.
    public static let fastest = supported.first { !$0.bf16 }!

    /// The path for `precision` on this CPU.
    public static func resolve(_ precision: Precision) throws(DreamError) -> KernelPath {
        switch precision {
        case .auto, .fp32: return fastest
        case .bf16:
            guard avx512BF16.isSupported else {
                throw .invalidSetting("precision bf16 needs a CPU with AVX512-BF16; this one has \(supported.first!)")
            }
            return avx512BF16
        }
    }

    public var description: String {
        switch isa {
        case DD_ISA_AVX512_BF16: return "AVX-512 bf16"
        case DD_ISA_AVX512: return "AVX-512 fp32"
        case DD_ISA_AVX2: return "AVX2 fp32"
        default: return "generic fp32"
        }
    }
}
