// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "deepdream",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "deepdream", targets: ["deepdream"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat libavcodec libswscale libavutil",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev", "libavutil-dev"])]
        ),
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-pthread-dev"])]
        ),
        // Optimised in every configuration: the tests run the kernels many times, and debug C (-O0) turns
        // their vector code into memory traffic.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O2"])]),
        // OpenCV's DIS flow and remap behind a C surface; OpenCV 4.6 from Debian's libopencv-video-dev,
        // which ships no pkg-config file.
        .target(
            name: "COpticalFlow",
            cxxSettings: [.unsafeFlags(["-I/usr/include/opencv4"])],
            linkerSettings: [.linkedLibrary("opencv_video"), .linkedLibrary("opencv_imgproc"), .linkedLibrary("opencv_core")]
        ),
        .target(name: "Motion", dependencies: ["Dream", "COpticalFlow"]),
        .target(name: "Dream", dependencies: ["CKernels", "COpenBLAS"]),
        .target(name: "FFmpegBridge", dependencies: ["CFFmpeg"]),
        .target(name: "Pipeline", dependencies: ["Dream", "FFmpegBridge", "Motion"]),
        .target(
            name: "DeepDreamCLI",
            dependencies: [
                "COpenBLAS", "Dream", "FFmpegBridge", "Motion", "Pipeline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "deepdream", dependencies: ["DeepDreamCLI"]),
        // libFuzzer harnesses for every parser we own; without -DFUZZING, a replayer of the corpus (scripts/fuzz).
        .executableTarget(name: "deepdream-fuzz", dependencies: ["DeepDreamCLI", "Dream", "FFmpegBridge", "Pipeline"]),
        .testTarget(name: "DreamTests", dependencies: ["Dream"]),
        .testTarget(name: "FFmpegBridgeTests", dependencies: ["FFmpegBridge"]),
        .testTarget(name: "MotionTests", dependencies: ["Motion", "Dream", "FFmpegBridge"]),
        .testTarget(name: "CLITests", dependencies: ["deepdream", "deepdream-fuzz"]),
    ]
)
