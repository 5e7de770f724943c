// swift-tools-version: 6.0
import PackageDescription

// The recommendation server (`encore serve`), in a package of its own so that the core
// library, the `encore` command line and their tests never build Hummingbird, GRDB or
// Prometheus: `swift build` at the repository root stays as fast as it was.
let package = Package(
  name: "EncoreServer",
  products: [
    .executable(name: "encore-server", targets: ["EncoreServerMain"]),
    .library(name: "EncoreServer", targets: ["EncoreServer"]),
  ],
  dependencies: [
    .package(name: "Encore", path: ".."),
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
  ],
  targets: [
    /// The HTTP API, the rating store, metrics and hot reload, as a library the tests drive.
    .target(
      name: "EncoreServer",
      dependencies: [
        .product(name: "Encore", package: "Encore"),
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "Prometheus", package: "swift-prometheus"),
      ]),
    /// `encore-server`, which `encore serve` runs.
    .executableTarget(
      name: "EncoreServerMain",
      dependencies: ["EncoreServer", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    .testTarget(
      name: "EncoreServerTests",
      dependencies: ["EncoreServer", .product(name: "HummingbirdTesting", package: "hummingbird")]),
  ]
)
