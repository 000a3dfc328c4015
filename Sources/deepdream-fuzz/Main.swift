import Foundation

#if FUZZING
/// libFuzzer's driver (linked by -sanitize=fuzzer): runs the harness over generated inputs.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

nonisolated(unsafe) var harness = Harness.cli
#endif

/// `deepdream-fuzz HARNESS [libFuzzer options] [CORPUS…]`, built by scripts/fuzz with -sanitize=fuzzer;
/// built plainly, `deepdream-fuzz HARNESS FILE|FOLDER…` replays inputs through the harness (the tests
/// replay the corpus this way).
@main
struct FuzzMain {
    static func main() {
        var args = CommandLine.arguments
        // libFuzzer starts itself again for -merge, -fork and -jobs with its own arguments: the harness rides in the environment.
        if let name = ProcessInfo.processInfo.environment["DEEPDREAM_FUZZ_HARNESS"], args.dropFirst().first.flatMap(Harness.init) == nil {
            args.insert(name, at: 1)
        }
        guard args.count >= 2, let chosen = Harness(rawValue: args[1]) else {
            FileHandle.standardError.write(Data("usage: deepdream-fuzz \(Harness.allCases.map(\.rawValue).joined(separator: "|")) [INPUT…]\n".utf8))
            exit(2)
        }
        #if FUZZING
        harness = chosen
        setenv("DEEPDREAM_FUZZ_HARNESS", chosen.rawValue, 1)
        // libFuzzer reads its own options; the harness name goes.
        var argv: [UnsafeMutablePointer<CChar>?] = ([args[0]] + args.dropFirst(2)).map { strdup($0) } + [nil]
        var argc = CInt(argv.count - 1)
        argv.withUnsafeMutableBufferPointer { buffer in
            var base = buffer.baseAddress!
            exit(LLVMFuzzerRunDriver(&argc, &base) { bytes, count in
                harness.run(count == 0 ? Data() : Data(bytes: bytes!, count: count))
                return 0
            })
        }
        #else
        var replayed = 0
        for path in args.dropFirst(2) {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
                FileHandle.standardError.write(Data("deepdream-fuzz: \(path): no such file\n".utf8))
                exit(2)
            }
            let files = isDir.boolValue ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { "\(path)/\($0)" } : [path]
            for file in files {
                chosen.run(FileManager.default.contents(atPath: file) ?? Data())
                replayed += 1
            }
        }
        print("\(chosen.rawValue): \(replayed) inputs replayed")
        #endif
    }
}
