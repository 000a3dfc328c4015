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
        .target(name: "CKernels"),
        .target(name: "Dream", dependencies: ["CKernels", "COpenBLAS"]),
        .target(name: "FFmpegBridge", dependencies: ["CFFmpeg"]),
        .target(name: "Pipeline", dependencies: ["Dream", "FFmpegBridge"]),
        .executableTarget(
            name: "deepdream",
            dependencies: [
                "Dream", "FFmpegBridge", "Pipeline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "DreamTests", dependencies: ["Dream"]),
        .testTarget(name: "FFmpegBridgeTests", dependencies: ["FFmpegBridge"]),
        .testTarget(name: "CLITests", dependencies: ["deepdream"]),
    ]
)
