import ArgumentParser
import Encore
import Foundation

struct SimilarCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "similar",
    abstract: "The items nearest to an item by cosine similarity of the model's own item vectors (codes, decoder rows or factors).")

  @Option(help: "A model saved by 'encore train --save'.") var model: String
  @Option(help: "The item's ID, as in the rating file.") var item: String
  @Option(name: .short, parsing: .unconditional, help: "How many items.") var k: Int = 10
  @Flag(help: "Print JSON instead of text.") var json = false
  @OptionGroup var computeOptions: ComputeOptions

  struct Neighbour: Codable {
    var item: String
    var title: String?
    var similarity: Float
  }
  struct Report: Codable {
    var item: String
    var title: String?
    var model: String
    var representation: String
    var similar: [Neighbour]
  }

  func run() throws {
    try EncoreCommand.guarded {
      guard k >= 1 else { throw EncoreError.invalidSetting("k", "must be at least 1") }
      let compute = try computeOptions.context()
      if InteractionModelFile.isImplicit(model) {
        try implicitSimilar(compute: compute)
        return
      }
      let trained = try ModelFile.load(model)
      guard let index = trained.items.index(of: item) else { throw EncoreError.unknownID(kind: "item", id: item) }
      guard let vectors = trained.itemVectors(compute: compute) else {
        throw EncoreError.invalidArgument("\(trained.name) has no item representation to compare; use an autoencoder or a factor model")
      }
      guard vectors.present[Int(index)] else {
        throw EncoreError.invalidArgument("item \(item) had no training ratings, so \(trained.name) has no vector for it")
      }
      let neighbours = vectors.nearest(to: index, count: k, compute: compute).map {
        Neighbour(item: trained.items.rawIDs[Int($0.item)], title: trained.titles[$0.item], similarity: $0.similarity)
      }
      let report = Report(item: item, title: trained.titles[index], model: trained.name, representation: vectors.kind, similar: neighbours)
      if json {
        Swift.print(try JSONOutput.encode(report))
        return
      }
      print(report)
    }
  }

  /// The same for an implicit model file: iALS item factors, EASE weight rows.
  func implicitSimilar(compute: ComputeContext) throws {
    let trained = try InteractionModelFile.load(model)
    let name = trained.model.settings.name
    guard let index = trained.itemIDs.firstIndex(of: item) else { throw EncoreError.unknownID(kind: "item", id: item) }
    guard let vectors = trained.model.itemVectors else {
      throw EncoreError.invalidArgument("\(name) has no item representation to compare; use ease or ials")
    }
    let neighbours = vectors.nearest(to: Int32(index), count: k, compute: compute).map {
      Neighbour(item: trained.itemIDs[Int($0.item)], title: trained.titles[trained.itemIDs[Int($0.item)]], similarity: $0.similarity)
    }
    let report = Report(item: item, title: trained.titles[item], model: name, representation: vectors.kind, similar: neighbours)
    if json {
      Swift.print(try JSONOutput.encode(report))
    } else {
      print(report)
    }
  }

  func print(_ report: Report) {
    Swift.print("items like \(report.title ?? "item \(item)") (\(report.model), \(report.representation), cosine):")
    for (rank, n) in report.similar.enumerated() {
      Swift.print(String(format: "%3d. %.3f  %@  (item %@)", rank + 1, n.similarity, n.title ?? "item \(n.item)", n.item))
    }
  }
}
