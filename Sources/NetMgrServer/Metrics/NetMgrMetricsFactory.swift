import CoreMetrics
import Prometheus

/// swift-metrics onto swift-prometheus' registry, with the HELP line of every metric from
/// `MetricsCatalogue` (PrometheusMetricsFactory registers each with empty help, which
/// `promtool check metrics` reports) and the catalogue's histogram buckets. Everything else
/// is PrometheusMetricsFactory's: its default buckets, and its `destroy…` for handlers.
/// The executable bootstraps it: `MetricsSystem.bootstrap(NetMgrMetricsFactory(registry:))`.
public struct NetMgrMetricsFactory: MetricsFactory {
    public let registry: PrometheusCollectorRegistry
    private let prometheus: PrometheusMetricsFactory

    /// With a registry of its own (tests).
    public init() {
        self.init(registry: PrometheusCollectorRegistry())
    }

    /// The registry's metrics in Prometheus text format 0.0.4.
    public func exposition() -> String {
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        var prometheus = PrometheusMetricsFactory(registry: registry)
        prometheus.valueHistogramBuckets["netmgr_activation_to_all_bound_seconds"] = MetricsCatalogue.activationBuckets
        self.prometheus = prometheus
    }

    private func descriptor(_ label: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: label, unitName: "", helpText: MetricsCatalogue.help[label] ?? "")
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(descriptor: descriptor(label), labels: dimensions) }
        let buckets = prometheus.valueHistogramBuckets[label] ?? prometheus.defaultValueHistogramBuckets
        return registry.makeValueHistogram(descriptor: descriptor(label), labels: dimensions, buckets: buckets)
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        let buckets = prometheus.durationHistogramBuckets[label] ?? prometheus.defaultDurationHistogramBuckets
        return registry.makeDurationHistogram(descriptor: descriptor(label), labels: dimensions, buckets: buckets)
    }

    public func destroyCounter(_ handler: any CounterHandler) { prometheus.destroyCounter(handler) }
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { prometheus.destroyFloatingPointCounter(handler) }
    public func destroyRecorder(_ handler: any RecorderHandler) { prometheus.destroyRecorder(handler) }
    public func destroyMeter(_ handler: any MeterHandler) { prometheus.destroyMeter(handler) }
    public func destroyTimer(_ handler: any TimerHandler) { prometheus.destroyTimer(handler) }
}
