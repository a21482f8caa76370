// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "HumorGym",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "HumorGym", targets: ["HumorGym"]),
        .library(name: "HumorGymKit", targets: [
            "Stochastics", "LinearAlgebra", "HumorGym", "Worlds", "Teachers", "Critics", "Policies", "Transformer",
            "Learners", "Experiments", "Chat", "LLM", "Charts", "GGUF", "Llama",
        ]),
        .library(name: "HumorGymTesting", targets: ["HumorGymTesting"]),
        .executable(name: "humorgym", targets: ["humorgym"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // C shims: each is imported by exactly one Swift module (GSL's gsl_cblas.h clashes with OpenBLAS's cblas.h).
        .systemLibrary(name: "CGSL", path: "Sources/CGSL",
                       providers: [.apt(["libgsl-dev"])]),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .target(name: "Stochastics", dependencies: ["CGSL"]),
        .target(name: "LinearAlgebra", dependencies: ["COpenBLAS", .product(name: "RealModule", package: "swift-numerics")]),
        .target(name: "HumorGym", dependencies: ["Stochastics"]),
        .target(name: "Worlds", dependencies: ["HumorGym", "Stochastics"]),
        // The chat-completions vocabulary critics and teachers speak; no HTTP stack (that is `LLM`).
        .target(name: "Chat"),
        .target(name: "Teachers", dependencies: ["HumorGym", "Stochastics", "Worlds", "Chat"]),
        .target(name: "Critics", dependencies: ["HumorGym", "Stochastics", "Chat"]),
        .target(name: "Policies", dependencies: ["HumorGym", "Stochastics", "LinearAlgebra"]),
        .target(name: "Transformer", dependencies: [
            "HumorGym", "Stochastics", "LinearAlgebra", .product(name: "RealModule", package: "swift-numerics"),
        ]),
        .target(name: "Learners", dependencies: ["HumorGym", "Stochastics"]),
        // SVG charts for reports: no dependency, so that the drawing is tested on its own.
        .target(name: "Charts"),
        // llama.cpp's model files (GGUF): metadata, the tensor table, dequantisation; no dependency.
        .target(name: "GGUF"),
        // The pretrained student, read from a GGUF file: its tokenizer, chat template and the Llama network.
        .target(name: "Llama", dependencies: ["GGUF", "LinearAlgebra", "Transformer", "HumorGym", "Stochastics"]),
        .target(name: "Experiments", dependencies: [
            "HumorGym", "Stochastics", "LinearAlgebra", "Worlds", "Teachers", "Critics", "Policies", "Transformer", "Learners",
            "LLM", "Yams", "Charts", "Llama",
        ]),
        // Real LLMs over OpenAI-compatible HTTP: one client (retries, budget, concurrency, SQLite cache).
        .target(name: "LLM", dependencies: [
            "Chat", "HumorGym", "Stochastics",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // No HTTP stack: a user's test target builds only the simulation.
        .target(name: "HumorGymTesting", dependencies: ["HumorGym", "Worlds", "Critics"]),
        .executableTarget(name: "humorgym", dependencies: [
            "Experiments", "Critics", "Teachers", "Learners", "LinearAlgebra", "Chat", "LLM", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "HumorGymBenchmarks", dependencies: [
            "Experiments", "Critics", "Worlds", "HumorGym", "Stochastics", "Policies", "Transformer", "Learners", "LinearAlgebra",
            "Chat", "LLM", "Llama",
        ], path: "benchmarks/HumorGymBenchmarks"),
        .testTarget(name: "StochasticsTests", dependencies: ["Stochastics"]),
        .testTarget(name: "ChartsTests", dependencies: ["Charts"]),
        // Resources/ holds a tiny GGUF and its values as the `gguf` package reads them (scripts/gguf_reference.py).
        .testTarget(name: "GGUFTests", dependencies: ["GGUF"], exclude: ["Resources"]),
        // Against llama.cpp (the local server) and PyTorch (Resources/, from scripts/llama_reference.py).
        .testTarget(name: "LlamaTests", dependencies: ["Llama", "GGUF", "Transformer", "Stochastics", "LinearAlgebra", "HumorGym"], exclude: ["Resources"]),
        // A scripted OpenAI-compatible server on loopback (SwiftNIO) stands in for the LLM; Cassettes/ holds
        // recorded answers of the real one, which the tests read by path.
        .testTarget(name: "LLMTests", dependencies: [
            "Chat", "LLM", "HumorGym", "HumorGymTesting", "Worlds", "Teachers", "Critics", "Experiments", .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ], exclude: ["Cassettes"]),
        // Resources/ holds reference values the tests read by path (scripts/transformer_reference.py writes them).
        .testTarget(name: "HumorGymTests", dependencies: [
            "HumorGym", "Worlds", "Teachers", "Critics", "Policies", "Transformer", "Learners", "Experiments", "Stochastics",
            "LinearAlgebra", "HumorGymTesting",
        ], exclude: ["Resources"]),
        // Written the way a user's own package would use the library products.
        .testTarget(name: "UserPackageExampleTests", dependencies: ["HumorGym", "HumorGymTesting"]),
        // The guides' examples (docs/extending.md), compiled and checked.
        .testTarget(name: "GuideExamplesTests", dependencies: ["HumorGym", "HumorGymTesting", "Learners", "Policies", "Stochastics"]),
        // Depends on the executable so that `swift test` builds the binary it runs.
        .testTarget(name: "CLITests", dependencies: ["humorgym"]),
    ]
)
