import Foundation

/// Users held out of training, each with an input part (what is folded in: the model sees it
/// as the user's history) and a target part (what the model should rank highly).
public struct HeldOutInteractions: Sendable {
  /// The users' indices in the data's user map, one per row.
  public var users: [Int32]
  /// Held-out users × the model's items: the items folded in.
  public var input: SparseMatrix
  /// Held-out users × the model's items: the items scored. A user with an empty row has no
  /// targets (fewer than `StrongGeneralisation.minimumItemsForTargets` items) and is not scored.
  public var targets: SparseMatrix

  public init(users: [Int32], input: SparseMatrix, targets: SparseMatrix) {
    precondition(input.rowCount == users.count && targets.rowCount == users.count)
    self.users = users
    self.input = input
    self.targets = targets
  }

  public var count: Int { users.count }
}

/// Training users and held-out users over one item set: what an implicit model trains on and
/// is scored on. The model's items are the items that training users touched (`items` maps a
/// model column to the data's item index); held-out users' other items are dropped, as in
/// Liang et al.'s protocol.
public struct InteractionSplit: Sendable {
  /// The protocol, as every report names it.
  public var protocolDescription: String
  /// Training users × model items.
  public var train: SparseMatrix
  /// The training users' indices in the data's user map, one per row of `train`.
  public var trainUsers: [Int32]
  /// Model column → the data's item index.
  public var items: [Int32]
  public var validation: HeldOutInteractions
  public var test: HeldOutInteractions

  public init(protocolDescription: String, train: SparseMatrix, trainUsers: [Int32], items: [Int32], validation: HeldOutInteractions, test: HeldOutInteractions) {
    self.protocolDescription = protocolDescription
    self.train = train
    self.trainUsers = trainUsers
    self.items = items
    self.validation = validation
    self.test = test
  }

  public var itemCount: Int { items.count }
}

/// Strong generalisation (Liang et al. 2018, vae_cf's notebook): whole users are held out.
///
/// 1. Users with fewer than `minimumUserItems` interactions are left out (vae_cf's
///    `filter_triplets(min_uc=5)`).
/// 2. The rest are shuffled with the seed; the last `testUsers` are the test users, the
///    `validationUsers` before them the validation users, and the others train.
/// 3. The item set is the items training users touched; held-out users keep only those.
/// 4. Each held-out user with at least `minimumItemsForTargets` items has ⌊20%⌋ of them, drawn
///    at random, as targets and the rest as input; a user with fewer keeps all as input and
///    has no targets.
public struct StrongGeneralisation: Sendable {
  public var validationUsers: Int
  public var testUsers: Int
  public var targetFraction = 0.2
  public var minimumItemsForTargets = 5
  public var minimumUserItems = 5
  public var seed: UInt64

  public init(validationUsers: Int, testUsers: Int, seed: UInt64) {
    self.validationUsers = validationUsers
    self.testUsers = testUsers
    self.seed = seed
  }

  /// Splits `data`, or explains why it cannot (too few users for the held-out parts).
  public func split(_ data: InteractionData) throws -> InteractionSplit {
    guard testUsers >= 1 else { throw EncoreError.invalidSetting("test-users", "must be at least 1") }
    guard validationUsers >= 0 else { throw EncoreError.invalidSetting("validation-users", "must not be negative") }
    guard targetFraction > 0 && targetFraction < 1 else { throw EncoreError.invalidSetting("target-fraction", "must be in (0, 1)") }
    let matrix = data.matrix
    var eligible: [Int32] = []
    for u in 0..<matrix.rowCount where matrix.rowLength(u) >= minimumUserItems { eligible.append(Int32(u)) }
    guard eligible.count > validationUsers + testUsers else {
      throw EncoreError.invalidArgument(
        "strong generalisation holds out \(validationUsers) validation and \(testUsers) test users, but \(data.sourceDescription) has only \(eligible.count) users with at least \(minimumUserItems) interactions (\(data.positiveRule)), and some must train: give smaller --validation-users/--test-users")
    }
    var generator = SeededGenerator(seed: seed, stream: 0x5348_5546)  // "SHUF"
    generator.shuffle(&eligible)
    let trainCount = eligible.count - validationUsers - testUsers
    let trainUsers = Array(eligible[0..<trainCount])
    let validationPart = Array(eligible[trainCount..<(trainCount + validationUsers)])
    let testPart = Array(eligible[(trainCount + validationUsers)...])

    // The model's items: those training users touched, numbered in order of first appearance
    // over the training users in shuffled order (vae_cf's `pd.unique(train_plays['movieId'])`),
    // which is also their order of first appearance in the train.csv `SplitFiles` writes; so
    // ties in a ranking break the same way in a tool that reads that file.
    var column = [Int32](repeating: -1, count: matrix.columnCount)
    var items: [Int32] = []
    for u in trainUsers {
      for i in matrix.row(Int(u)) where column[Int(i)] < 0 {
        column[Int(i)] = Int32(items.count)
        items.append(i)
      }
    }
    let train = SparseMatrix(binaryRows: trainUsers.map { u in matrix.row(Int(u)).map { column[Int($0)] } }, columnCount: items.count)
    let validation = holdOut(validationPart, of: matrix, column: column, itemCount: items.count, stream: 1)
    let test = holdOut(testPart, of: matrix, column: column, itemCount: items.count, stream: 2)
    let description = "strong generalisation (Liang et al. 2018): \(trainUsers.count) training users, \(validationUsers) validation and \(testUsers) test users (\(Int(targetFraction * 100))% of each one's items scored), seed \(seed)"
    return InteractionSplit(protocolDescription: description, train: train, trainUsers: trainUsers, items: items, validation: validation, test: test)
  }

  /// Each user's items within the model's item set, ⌊fraction⌋ of them drawn as targets.
  func holdOut(_ users: [Int32], of matrix: SparseMatrix, column: [Int32], itemCount: Int, stream: UInt64) -> HeldOutInteractions {
    // Users in index order, as vae_cf walks them in sorted ID order, so that a user's draw
    // does not depend on where the shuffle put them.
    let ordered = users.sorted()
    var generator = SeededGenerator(seed: seed, stream: 0x5441_5247 &+ stream)  // "TARG"
    var inputs: [[Int32]] = [], targets: [[Int32]] = []
    for u in ordered {
      var kept = matrix.row(Int(u)).compactMap { column[Int($0)] >= 0 ? column[Int($0)] : nil }
      if kept.count >= minimumItemsForTargets {
        let count = Int(Double(kept.count) * targetFraction)
        generator.shuffle(&kept)
        targets.append(Array(kept[0..<count]))
        inputs.append(Array(kept[count...]))
      } else {
        targets.append([])
        inputs.append(kept)
      }
    }
    return HeldOutInteractions(
      users: ordered, input: SparseMatrix(binaryRows: inputs, columnCount: itemCount),
      targets: SparseMatrix(binaryRows: targets, columnCount: itemCount))
  }
}
