// swift-tools-version: 6.0
import PackageDescription

// libFuzzer targets for Encore's parsers, in a package of their own: they are built with
// `-sanitize=fuzzer,address` (scripts/fuzz.sh), which the normal build must never see.
// Each target is an executable that hands its input callback to libFuzzer's driver.
let targets = ["FuzzDelimitedReader", "FuzzNetflixReader", "FuzzModelFile", "FuzzTitleReader", "FuzzUserRatings"]
let commandLineTargets = ["FuzzOptionParser"]

let package = Package(
  name: "EncoreFuzz",
  products: (targets + commandLineTargets).map { .executable(name: $0, targets: [$0]) },
  dependencies: [.package(name: "Encore", path: "..")],
  targets: [
    .target(name: "CFuzzDriver"),
    .target(name: "FuzzSupport", dependencies: ["CFuzzDriver", .product(name: "Encore", package: "Encore")]),
  ] + targets.map {
    .executableTarget(
      name: $0, dependencies: ["FuzzSupport", .product(name: "Encore", package: "Encore")])
  } + commandLineTargets.map {
    .executableTarget(
      name: $0, dependencies: ["FuzzSupport", .product(name: "EncoreCommandLine", package: "Encore")])
  }
)
