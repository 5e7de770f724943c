import Encore

// The bodies of the API's requests and answers; `openapi.yaml` describes the same shapes.

/// `POST /v1/ratings`.
struct RatingsBatch: RequestBody {
  struct Entry: Decodable {
    var user: FlexibleID
    var item: FlexibleID
    var rating: Double
    var timestamp: Int64?
  }
  var ratings: [Entry]
  static let fields: [String: Set<String>] = ["": ["ratings"], "ratings[]": ["user", "item", "rating", "timestamp"]]
}

/// `POST /v1/recommendations`: a session's ratings, folded in.
struct RecommendRequest: RequestBody {
  struct Entry: Decodable {
    var item: FlexibleID
    var rating: Double
  }
  var ratings: [Entry]
  var n: Int?
  var excludeRated: Bool?
  enum CodingKeys: String, CodingKey {
    case ratings, n
    case excludeRated = "exclude_rated"
  }
  static let fields: [String: Set<String>] = ["": ["ratings", "n", "exclude_rated"], "ratings[]": ["item", "rating"]]
}

/// `POST /v1/predictions`.
struct PredictRequest: RequestBody {
  struct Pair: Decodable {
    var user: FlexibleID
    var item: FlexibleID
  }
  var pairs: [Pair]
  static let fields: [String: Set<String>] = ["": ["pairs"], "pairs[]": ["user", "item"]]
}

/// A list of recommended items, for a known user or a folded-in session.
struct RecommendationsAnswer: Encodable {
  var user: String?
  var modelVersion: String
  /// Whether the list comes from a profile folded in from ratings (stored or sent).
  var foldedIn: Bool
  var foldedInRatings: Int?
  var unknownItems: [String]?
  /// True when no rating of a known item was available: the bias baseline's picks.
  var fallback: Bool
  var recommendations: [Recommendation]
  enum CodingKeys: String, CodingKey {
    case user, fallback, recommendations
    case modelVersion = "model_version", foldedIn = "folded_in", foldedInRatings = "folded_in_ratings"
    case unknownItems = "unknown_items"
  }
}

struct PredictionsAnswer: Encodable {
  struct Prediction: Encodable {
    var user: String
    var item: String
    var rating: Float
    /// True when the user or the item is unknown and the baseline answered.
    var fallback: Bool
  }
  var modelVersion: String
  var predictions: [Prediction]
  enum CodingKeys: String, CodingKey {
    case predictions
    case modelVersion = "model_version"
  }
}

struct SimilarAnswer: Encodable {
  struct Neighbour: Encodable {
    var item: String
    var title: String?
    var similarity: Float
  }
  var item: String
  var title: String?
  /// What the vectors are (e.g. "item codes").
  var representation: String
  var similar: [Neighbour]
}

struct ItemsAnswer: Encodable {
  struct Item: Encodable {
    var item: String
    var title: String?
    /// Training ratings of the item.
    var ratings: Int
  }
  var items: [Item]
}

struct StoredAnswer: Encodable {
  var stored: Int
  /// Ratings of items the current model does not know: stored for the next retrain.
  var unknownItems: Int
  var users: Int
  enum CodingKeys: String, CodingKey {
    case stored, users
    case unknownItems = "unknown_items"
  }
}

struct ModelAnswer: Encodable {
  var name: String
  var version: String
  var sha256: String
  var path: String
  var loadedAt: String
  var users: Int
  var items: Int
  var trainingRatings: Int
  var scale: [Float]
  var settings: String
  var storedRatings: Int
  enum CodingKeys: String, CodingKey {
    case name, version, sha256, path, users, items, scale, settings
    case loadedAt = "loaded_at", trainingRatings = "training_ratings", storedRatings = "stored_ratings"
  }
}

struct ReadyAnswer: Encodable {
  var status: String
  var modelVersion: String
  var modelSHA256: String
  var storeWritable: Bool
  enum CodingKeys: String, CodingKey {
    case status
    case modelVersion = "model_version", modelSHA256 = "model_sha256", storeWritable = "store_writable"
  }
}

struct ReloadAnswer: Encodable {
  var reloaded: Bool
  var modelVersion: String
  var previousVersion: String
  enum CodingKeys: String, CodingKey {
    case reloaded
    case modelVersion = "model_version", previousVersion = "previous_version"
  }
}
