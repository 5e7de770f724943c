import Dispatch
import Encore
import Foundation
import Synchronization

/// Scores user profiles against every item in batches. Requests that arrive while a batch is
/// being scored wait and go together into the next one, so under load the item vectors are
/// read once per batch (one GEMM for I-AutoRec) instead of once per request; an idle server
/// scores a lone request at once (no timer, no added delay).
final class ScoringBatcher: Sendable {
  private struct Pending: Sendable {
    let model: ServedModel
    let profile: UserProfile
    let done: CheckedContinuation<[Float], Never>
  }

  /// What the worker thread shares with the requests; the thread holds it weakly and ends
  /// once the batcher is gone.
  private final class State: Sendable {
    let pending = Mutex<[Pending]>([])
    let ready = DispatchSemaphore(value: 0)
  }

  private let state = State()
  let maxBatch: Int

  /// `compute` is what one batch's GEMM runs on (both cores by default).
  init(maxBatch: Int = 16, compute: ComputeContext = .automatic) {
    self.maxBatch = maxBatch
    let weakState = WeakBox(state)
    let thread = Thread {
      while true {
        guard let state = weakState.value else { return }
        guard state.ready.wait(timeout: .now() + 0.5) == .success else { continue }
        let batch = state.pending.withLock { pending -> [Pending] in
          let model = ObjectIdentifier(pending[0].model)
          var taken: [Pending] = [], kept: [Pending] = []
          for entry in pending {
            if taken.count < maxBatch && ObjectIdentifier(entry.model) == model { taken.append(entry) } else { kept.append(entry) }
          }
          pending = kept
          return taken
        }
        for _ in 1..<batch.count { state.ready.wait() }  // one signal per entry taken
        let scores = batch[0].model.folder.scores(batch.map(\.profile), compute: compute)
        for (entry, row) in zip(batch, scores) { entry.done.resume(returning: row) }
      }
    }
    thread.name = "encore-scoring"
    thread.start()
  }

  /// Every item's score for `profile` under `model`.
  func scores(_ profile: UserProfile, on model: ServedModel) async -> [Float] {
    await withCheckedContinuation { done in
      state.pending.withLock { $0.append(Pending(model: model, profile: profile, done: done)) }
      state.ready.signal()
    }
  }
}

/// A weak reference that can cross threads.
private final class WeakBox<T: AnyObject & Sendable>: Sendable {
  private let box: Mutex<Weak>
  private struct Weak: @unchecked Sendable { weak var value: T? }
  init(_ value: T) { box = Mutex(Weak(value: value)) }
  var value: T? { box.withLock { $0.value } }
}
