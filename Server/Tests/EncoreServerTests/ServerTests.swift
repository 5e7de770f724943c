import Encore
import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

@testable import EncoreServer

/// The API over real HTTP on loopback (`.live`): answers agree with the library, bad input
/// gets a 4xx that names the problem, stored ratings are durable and change the next answer.
final class ServerTests: XCTestCase {
  func testKnownUserRecommendationsMatchTheLibrary() async throws {
    let fixture = try ServerFixture()
    let server = try fixture.server()
    let expected = try fixture.trained.recommend(user: "3", count: 5)
    try await server.application().test(.live) { client in
      let answer = try await client.call(.get, "/v1/users/3/recommendations?n=5")
      XCTAssertEqual(answer.status, .ok, answer.text)
      let list = answer.json["recommendations"] as! [[String: Any]]
      XCTAssertEqual(list.map { $0["item"] as! String }, expected.map(\.item))
      XCTAssertEqual(answer.json["folded_in"] as? Bool, false)
      XCTAssertEqual(answer.json["model_version"] as? String, server.modelVersion)
      // Without exclude_rated, items the user rated in training may come back.
      let all = try await client.call(.get, "/v1/users/3/recommendations?n=60&exclude_rated=false")
      let rated = Set(fixture.trained.trainingRatings(of: fixture.trained.users.index(of: "3")!).items.map { fixture.trained.items.rawIDs[Int($0)] })
      let items = Set((all.json["recommendations"] as! [[String: Any]]).map { $0["item"] as! String })
      XCTAssertFalse(items.isDisjoint(with: rated))
    }
  }

  func testSessionFoldInMatchesTheLibraryAndListsUnknownItems() async throws {
    let fixture = try ServerFixture()
    let server = try fixture.server()
    let file = try UserRatingsFile.parse("1,5\n2,4\n7,1\n", source: "session")
    let folder = fixture.trained.userFolder(compute: .serial)
    let folded = try fixture.trained.foldIn(file, folder: folder)
    let expected = try fixture.trained.recommend(folded.profile, folder: folder, count: 4, compute: .serial)
    try await server.application().test(.live) { client in
      let answer = try await client.call(
        .post, "/v1/recommendations",
        json: #"{"ratings": [{"item": 1, "rating": 5}, {"item": "2", "rating": 4}, {"item": 7, "rating": 1}, {"item": "no-such", "rating": 3}], "n": 4}"#)
      XCTAssertEqual(answer.status, .ok, answer.text)
      let list = answer.json["recommendations"] as! [[String: Any]]
      XCTAssertEqual(list.map { $0["item"] as! String }, expected.map(\.item))
      XCTAssertEqual(list.map { ($0["predicted_rating"] as! NSNumber).floatValue }, expected.map(\.predictedRating))
      XCTAssertEqual(answer.json["unknown_items"] as? [String], ["no-such"])
      XCTAssertEqual(answer.json["folded_in_ratings"] as? Int, 3)
      XCTAssertEqual(answer.json["fallback"] as? Bool, false)
      let empty = try await client.call(.post, "/v1/recommendations", json: #"{"ratings": []}"#)
      XCTAssertEqual(empty.json["fallback"] as? Bool, true)
      // The session's own items are left out by default, and come back with exclude_rated false.
      let session = #"{"ratings": [{"item": 1, "rating": 5}, {"item": "2", "rating": 4}, {"item": 7, "rating": 1}], "n": 60"#
      let everything = try await client.call(.post, "/v1/recommendations", json: session + "}")
      let listed = Set((everything.json["recommendations"] as! [[String: Any]]).map { $0["item"] as! String })
      XCTAssertTrue(listed.isDisjoint(with: ["1", "2", "7"]), "rated items recommended: \(listed.intersection(["1", "2", "7"]))")
      let including = try await client.call(.post, "/v1/recommendations", json: session + #", "exclude_rated": false}"#)
      let all = Set((including.json["recommendations"] as! [[String: Any]]).map { $0["item"] as! String })
      XCTAssertTrue(all.isSuperset(of: ["1", "2", "7"]))
    }
  }

  func testStoredRatingsAreDurableAndFoldedIntoTheNextRecommendation() async throws {
    let fixture = try ServerFixture()
    do {
      let server = try fixture.server()
      try await server.application().test(.live) { client in
        let unknownUser = try await client.call(.get, "/v1/users/newcomer/recommendations")
        XCTAssertEqual(unknownUser.status, .notFound)
        XCTAssertTrue(unknownUser.text.contains("POST /v1/recommendations"), unknownUser.text)
        let before = try await client.call(.get, "/v1/users/3/recommendations?n=3")
        let first = (before.json["recommendations"] as! [[String: Any]])[0]["item"] as! String
        let stored = try await client.call(
          .post, "/v1/ratings",
          json: #"{"ratings": [{"user": "newcomer", "item": 1, "rating": 5}, {"user": "newcomer", "item": 2, "rating": 4, "timestamp": 1700000000}, {"user": 3, "item": "\#(first)", "rating": 1}, {"user": 3, "item": "brand-new", "rating": 2}]}"#)
        XCTAssertEqual(stored.status, .created, stored.text)
        XCTAssertEqual(stored.json["stored"] as? Int, 4)
        XCTAssertEqual(stored.json["unknown_items"] as? Int, 1)
        let newcomer = try await client.call(.get, "/v1/users/newcomer/recommendations?n=3")
        XCTAssertEqual(newcomer.status, .ok)
        XCTAssertEqual(newcomer.json["folded_in"] as? Bool, true)
        XCTAssertEqual(newcomer.json["folded_in_ratings"] as? Int, 2)
        let after = try await client.call(.get, "/v1/users/3/recommendations?n=3")
        let items = (after.json["recommendations"] as! [[String: Any]]).map { $0["item"] as! String }
        XCTAssertFalse(items.contains(first), "an item the user just rated is no longer recommended")
        XCTAssertEqual(after.json["folded_in"] as? Bool, true)
      }
    }
    // The store holds exactly what was acknowledged, readable by training.
    let data = try RatingDataLoader().load(fixture.storePath)
    XCTAssertEqual(data.ratings.count, 4)
    // A new server on the same store remembers the newcomer.
    let again = try fixture.server()
    try await again.application().test(.live) { client in
      let answer = try await client.call(.get, "/v1/users/newcomer/recommendations?n=3")
      XCTAssertEqual(answer.status, .ok)
    }
  }

  func testBadInputGetsA4xxThatNamesTheProblem() async throws {
    let fixture = try ServerFixture()
    var limits = ServerLimits()
    limits.maxBodyBytes = 2_000
    limits.maxBatch = 50
    let server = try fixture.server(limits: limits)
    try await server.application().test(.live) { client in
      let cases: [(HTTPRequest.Method, String, String?, HTTPResponse.Status, String)] = [
        (.post, "/v1/ratings", "{not json", .badRequest, "not valid JSON"),
        (.post, "/v1/ratings", #"{"ratings": [{"user": 1, "item": 1, "ratng": 4}]}"#, .badRequest, "ratings[0].ratng"),
        (.post, "/v1/ratings", #"{"ratings": [{"user": 1, "item": 1}]}"#, .badRequest, "ratings[0].rating"),
        (.post, "/v1/ratings", #"{"ratings": [{"user": 1, "item": 1, "rating": "x"}]}"#, .badRequest, "ratings[0].rating"),
        (.post, "/v1/ratings", #"{"ratings": [{"user": 1, "item": 1, "rating": 9}]}"#, .badRequest, "outside the model's rating scale"),
        (.post, "/v1/ratings", #"{"ratings": []}"#, .badRequest, "empty"),
        (.post, "/v1/ratings", #"{"ratings": [], "extra": 1}"#, .badRequest, "unknown field 'extra'"),
        (.post, "/v1/ratings", "[1, 2]", .badRequest, "JSON object"),
        (.post, "/v1/recommendations", #"{"ratings": [{"item": 1, "rating": 4}, {"item": 1, "rating": 5}]}"#, .badRequest, "rated twice"),
        (.post, "/v1/recommendations", #"{"ratings": [], "n": 0}"#, .badRequest, "n must be between 1"),
        (.post, "/v1/recommendations", String(repeating: " ", count: 3_000), .contentTooLarge, "larger than 2000 bytes"),
        (.post, "/v1/predictions", #"{"pairs": [\#(Array(repeating: #"{"user":1,"item":1}"#, count: 51).joined(separator: ","))]}"#, .contentTooLarge, "at most 50"),
        (.get, "/v1/users/3/recommendations?n=abc", nil, .badRequest, "n must be an integer"),
        (.get, "/v1/users/3/recommendations?n=100000", nil, .badRequest, "between 1 and 1000"),
        (.get, "/v1/users/3/recommendations?count=3", nil, .badRequest, "unknown query parameter 'count'"),
        (.get, "/v1/users/3/recommendations?exclude_rated=maybe", nil, .badRequest, "true or false"),
        (.get, "/v1/items/no-such/similar", nil, .notFound, "unknown item 'no-such'"),
        (.get, "/v1/nothing", nil, .notFound, "no such endpoint"),
      ]
      for (method, uri, body, status, message) in cases {
        let answer = try await client.call(method, uri, json: body)
        XCTAssertEqual(answer.status, status, "\(method) \(uri) \(body ?? ""): \(answer.text)")
        XCTAssertTrue(answer.errorMessage.contains(message), "\(uri): '\(answer.errorMessage)' should contain '\(message)'")
        XCTAssertEqual(answer.headers[.contentType], "application/json; charset=utf-8")
      }
      // Still serving after all of that.
      let health = try await client.call(.get, "/healthz")
      XCTAssertEqual(health.status, .ok)
    }
  }

  func testPredictionsSimilarItemsSearchAndOperations() async throws {
    let fixture = try ServerFixture()
    let server = try fixture.server()
    let user = fixture.trained.users.index(of: "5")!, item = fixture.trained.items.index(of: "9")!
    let expected = fixture.trained.predictor(compute: .serial).predict(user: user, item: item).value
    try await server.application().test(.live) { client in
      let predictions = try await client.call(.post, "/v1/predictions", json: #"{"pairs": [{"user": 5, "item": 9}, {"user": "ghost", "item": 9}]}"#)
      let list = predictions.json["predictions"] as! [[String: Any]]
      XCTAssertEqual((list[0]["rating"] as! NSNumber).floatValue, expected)
      XCTAssertEqual(list[0]["fallback"] as? Bool, false)
      XCTAssertEqual(list[1]["fallback"] as? Bool, true)
      let similar = try await client.call(.get, "/v1/items/9/similar?n=3")
      XCTAssertEqual(similar.status, .ok, similar.text)
      XCTAssertEqual((similar.json["similar"] as! [Any]).count, 3)
      let search = try await client.call(.get, "/v1/items?query=synthetic%20%2310&n=5")
      XCTAssertEqual(((search.json["items"] as! [[String: Any]]).first?["title"] as? String)?.hasSuffix("#10"), true, search.text)
      let ready = try await client.call(.get, "/readyz")
      XCTAssertEqual(ready.json["store_writable"] as? Bool, true)
      XCTAssertEqual(ready.json["model_sha256"] as? String, SHA256.hex(try Data(contentsOf: URL(fileURLWithPath: fixture.modelPath))))
      let page = try await client.call(.get, "/")
      XCTAssertTrue(page.text.contains("<title>Encore</title>"))
      let document = try await client.call(.get, "/openapi.yaml")
      XCTAssertTrue(document.text.hasPrefix("openapi: 3"))
      let metrics = try await client.call(.get, "/metrics")
      XCTAssertTrue(metrics.text.contains(#"encore_http_requests_total{route="/v1/predictions",method="POST",status="200"} 1"#), metrics.text)
      XCTAssertTrue(metrics.text.contains("encore_http_request_duration_seconds_bucket"), metrics.text)
      XCTAssertTrue(metrics.text.contains(#"encore_model_info{version="\#(server.modelVersion)"} 1"#), metrics.text)
    }
  }

  func testReloadSwapsTheModelAndABadFileLeavesTheOldOneServing() async throws {
    let fixture = try ServerFixture()
    let server = try fixture.server()
    let oldVersion = server.modelVersion
    try await server.application().test(.live) { client in
      // A different model written in place (as a retrain would, by rename).
      let next = try ServerFixture.train(model: "svd", seed: 1)
      try ModelFile.save(next, to: fixture.modelPath)
      let reloaded = try await client.call(.post, "/v1/admin/reload")
      XCTAssertEqual(reloaded.status, .ok, reloaded.text)
      XCTAssertEqual(reloaded.json["previous_version"] as? String, oldVersion)
      let newVersion = try XCTUnwrap(reloaded.json["model_version"] as? String)
      XCTAssertTrue(newVersion.hasPrefix("svd@"), newVersion)
      // A broken file: 422, and the new model keeps serving.
      try Data("not a model".utf8).write(to: URL(fileURLWithPath: fixture.modelPath))
      let failed = try await client.call(.post, "/v1/admin/reload")
      XCTAssertEqual(failed.status, .unprocessableContent, failed.text)
      XCTAssertTrue(failed.errorMessage.contains("still serving \(newVersion)"), failed.errorMessage)
      let ready = try await client.call(.get, "/readyz")
      XCTAssertEqual(ready.json["model_version"] as? String, newVersion)
      let metrics = try await client.call(.get, "/metrics")
      XCTAssertTrue(metrics.text.contains(#"encore_model_reloads_total{result="failed"} 1"#), metrics.text)
      XCTAssertTrue(metrics.text.contains(#"encore_model_info{version="\#(oldVersion)"} 0"#), metrics.text)
    }
  }

  func testSHA256KnownAnswers() {
    XCTAssertEqual(SHA256.hex(Array("".utf8)), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    XCTAssertEqual(
      SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    XCTAssertEqual(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000)), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }
}
