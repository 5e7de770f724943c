import XCTest

@testable import Encore

/// No command writes over its own input, over a device or folder, or into a missing folder;
/// killed runs' temporaries are cleaned up; checkpoints are capped.
final class OutputPathTests: XCTestCase {
  func expectRefusal(_ path: String, inputs: [String] = [], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try OutputPath.check(path, option: "save", inputs: inputs), file: file, line: line) { error in
      XCTAssertTrue("\(error)".contains(message), "\(error)", file: file, line: line)
    }
  }

  func testAnInputIsNeverAnOutputWhateverThePathSays() throws {
    let folder = TemporaryFolder()
    let data = folder.write("ratings.csv", "1,1,5\n")
    expectRefusal(data, inputs: [data], "is also this command's input")
    expectRefusal(folder.path + "/./ratings.csv", inputs: [data], "is also this command's input")
    XCTAssertEqual(link(data, folder.path + "/hard-link.csv"), 0)
    expectRefusal(folder.path + "/hard-link.csv", inputs: [data], "is also this command's input")
    // A data folder's rating file is an input too; another file in it is fine.
    expectRefusal(data, inputs: [folder.path], "is a data file of this command's input folder")
    XCTAssertNoThrow(try OutputPath.check(folder.path + "/model.safetensors", option: "save", inputs: [folder.path, data]))
  }

  func testDevicesFoldersAndMissingFoldersAreRefused() throws {
    let folder = TemporaryFolder()
    // A named pipe stands for every non-regular file (a device such as /dev/full behaves the
    // same): if the guard ever broke, the test would replace only its own pipe, never a device.
    let pipe = folder.path + "/pipe"
    XCTAssertEqual(mkfifo(pipe, 0o600), 0)
    expectRefusal(pipe, "is not a regular file")
    expectRefusal(folder.path, "is not a regular file")
    expectRefusal(folder.path + "/missing/model.safetensors", "does not exist")
    expectRefusal("", "empty path")
    XCTAssertThrowsError(try AtomicFile.write("x", to: pipe)) { XCTAssertTrue("\($0)".contains("not a regular file"), "\($0)") }
    var status = stat()
    XCTAssertEqual(stat(pipe, &status), 0)
    XCTAssertEqual(status.st_mode & S_IFMT, S_IFIFO, "the pipe must still be a pipe")
    XCTAssertThrowsError(try OutputPath.checkFolder(folder.write("file", "x"), option: "logdir"))
    XCTAssertNoThrow(try OutputPath.checkFolder(folder.path + "/new-logs", option: "logdir"))
  }

  func testStaleTemporariesOfDeadProcessesAreRemoved() throws {
    let folder = TemporaryFolder()
    var dead: Int32 = 4_000_000
    while kill(dead, 0) == 0 || errno != ESRCH { dead -= 1 }
    let stale = folder.write(".model.epoch3.safetensors.tmp-\(dead)", "half a model")
    let live = folder.write(".model.safetensors.tmp-1", "pid 1 is alive")
    let other = folder.write(".notes.txt", "not ours")
    try AtomicFile.write("done", to: folder.path + "/model.safetensors")
    XCTAssertFalse(FileManager.default.fileExists(atPath: stale))
    XCTAssertTrue(FileManager.default.fileExists(atPath: live))
    XCTAssertTrue(FileManager.default.fileExists(atPath: other))
  }

  func testOnlyTheNewestCheckpointsAreKept() {
    let written = WrittenCheckpoints()
    XCTAssertEqual(written.add("e1", keeping: 2), [])
    XCTAssertEqual(written.add("e2", keeping: 2), [])
    XCTAssertEqual(written.add("e3", keeping: 2), ["e1"])
    XCTAssertEqual(written.add("e4", keeping: 2), ["e2"])
    let all = WrittenCheckpoints()
    for k in 1...5 { XCTAssertEqual(all.add("e\(k)", keeping: 0), []) }
  }

  func testAModelTooLargeForMemoryIsRefusedBeforeAllocating() throws {
    let spec = try ModelFamilies.spec(named: "i-autorec", overrides: { var o = ModelOverrides(); o.hidden = 1_000_000_000; return o }())
    XCTAssertThrowsError(try ExperimentRun.checkMemory(spec.settings, users: 943, items: 1682)) { error in
      XCTAssertTrue("\(error)".contains("needs about"), "\(error)")
      XCTAssertTrue("\(error)".contains("this machine has"), "\(error)")
    }
    XCTAssertNoThrow(try ExperimentRun.checkMemory(try ModelFamilies.spec(named: "i-autorec").settings, users: 943, items: 1682))
  }
}
