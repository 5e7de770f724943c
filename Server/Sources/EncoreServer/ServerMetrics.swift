import CoreMetrics
import Foundation
import Hummingbird
import Prometheus

/// The server's Prometheus metrics, recorded through swift-metrics into a registry this server
/// owns (no process-wide bootstrap, so tests can run several servers in one process).
public final class ServerMetrics: Sendable {
  let registry = PrometheusCollectorRegistry()
  let factory: PrometheusMetricsFactory
  let ratingsStored: CoreMetrics.Counter
  let foldIns: CoreMetrics.Counter
  let reloadsSucceeded: CoreMetrics.Counter
  let reloadsFailed: CoreMetrics.Counter

  init() {
    var factory = PrometheusMetricsFactory(registry: registry)
    factory.defaultDurationHistogramBuckets = [
      .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
      .milliseconds(20), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
      .seconds(2.5), .seconds(5),
    ]
    self.factory = factory
    ratingsStored = CoreMetrics.Counter(label: "encore_ratings_stored_total", factory: factory)
    foldIns = CoreMetrics.Counter(label: "encore_fold_ins_total", factory: factory)
    reloadsSucceeded = CoreMetrics.Counter(label: "encore_model_reloads_total", dimensions: [("result", "ok")], factory: factory)
    reloadsFailed = CoreMetrics.Counter(label: "encore_model_reloads_total", dimensions: [("result", "failed")], factory: factory)
  }

  /// Marks `version` as the model serving (a gauge of 1 labelled with the version; the
  /// previous version's gauge drops to 0).
  func modelServing(_ version: String, previous: String?) {
    if let previous, previous != version {
      CoreMetrics.Gauge(label: "encore_model_info", dimensions: [("version", previous)], factory: factory).record(0)
    }
    CoreMetrics.Gauge(label: "encore_model_info", dimensions: [("version", version)], factory: factory).record(1)
  }

  /// One finished request.
  func request(route: String, method: String, status: Int, seconds: Double) {
    let labels = [("route", route), ("method", method), ("status", String(status))]
    CoreMetrics.Counter(label: "encore_http_requests_total", dimensions: labels, factory: factory).increment()
    CoreMetrics.Timer(label: "encore_http_request_duration_seconds", dimensions: [("route", route), ("method", method)], factory: factory)
      .recordNanoseconds(Int64(seconds * 1e9))
  }

  /// The Prometheus text exposition.
  var text: String { registry.emitToString() }
}
