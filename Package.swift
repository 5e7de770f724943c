// swift-tools-version: 6.0
import PackageDescription

let package = Package(
  name: "Encore",
  products: [
    .library(name: "Encore", targets: ["Encore"]),
    .library(name: "EncoreCommandLine", targets: ["EncoreCommandLine"]),
    .executable(name: "encore", targets: ["EncoreCLI"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
  ],
  targets: [
    // MARK: - Implementation details
    /// The hot loops (sparse gather/scatter, dot products, optimiser sweeps) in C, compiled
    /// per instruction set (AVX-512, AVX2, baseline) and chosen at run time: no build flags needed.
    .target(name: "CEncoreKernels", cSettings: [.unsafeFlags(["-O3"])]),
    /// MPI's collectives for multi-process training, through a library loaded at run time
    /// (Open MPI or MPICH): nothing to install unless a job is started by mpirun.
    .target(name: "CEncoreMPI"),

    // MARK: - Public API
    .target(name: "Encore", dependencies: ["CEncoreKernels", "CEncoreMPI"]),
    /// The commands, options and their error contract (a library, so the parser can be fuzzed).
    .target(
      name: "EncoreCommandLine",
      dependencies: ["Encore", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    /// The `encore` executable: one call into EncoreCommandLine.
    .executableTarget(name: "EncoreCLI", dependencies: ["EncoreCommandLine"]),

    // MARK: - Tests
    // Fixtures are read by path (model files written by earlier versions), not bundled.
    .testTarget(name: "EncoreTests", dependencies: ["Encore"], exclude: ["Fixtures"]),
  ]
)
