import { Counter, Gauge, type Metric, Registry } from 'prom-client';
import type { LatencyHistogram } from './latency.js';
import type { PluginMetricsSnapshot } from './metrics.js';

/** Where the exporter reads figures from (a {@link PluginHost}). */
export interface MetricsSource {
  metrics(): PluginMetricsSnapshot[];
  /** Latency histograms by plugin and version. */
  latencyHistograms(): Array<{ plugin: string; version: string; histogram: LatencyHistogram }>;
}

const BUCKETS_SECONDS = [
  0.000_01, 0.000_05, 0.000_1, 0.000_5, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30,
];

/**
 * A prom-client registry exposing every plugin's figures, read when scraped:
 * `witkit_plugin_calls_total`, `witkit_plugin_errors_total`, `witkit_plugin_traps_total`,
 * `witkit_plugin_instances{state}` and the histogram `witkit_plugin_call_duration_seconds`.
 *
 * @example
 * ```ts
 * const registry = prometheusRegistry(host);
 * server.on('request', async (_req, res) => res.end(await registry.metrics()));
 * ```
 */
export function prometheusRegistry(source: MetricsSource): Registry {
  const registry = new Registry();
  const labels = ['plugin', 'version'] as const;
  const counter = (name: string, help: string, pick: (s: PluginMetricsSnapshot) => number) =>
    new Counter({
      name,
      help,
      labelNames: labels,
      registers: [registry],
      collect() {
        this.reset();
        for (const s of source.metrics()) this.inc({ plugin: s.plugin, version: s.version }, pick(s));
      },
    });
  counter('witkit_plugin_calls_total', 'Calls made to the plugin', (s) => s.calls);
  counter('witkit_plugin_errors_total', 'Calls that failed (plugin errors and traps)', (s) => s.errors);
  counter('witkit_plugin_traps_total', 'Calls that trapped; each discarded an instance', (s) => s.traps);
  new Gauge({
    name: 'witkit_plugin_instances',
    help: 'Instances of the plugin by state',
    labelNames: [...labels, 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of source.metrics()) {
        for (const state of ['idle', 'busy', 'waiting'] as const) {
          this.set({ plugin: s.plugin, version: s.version, state }, s.instances[state]);
        }
      }
    },
  });
  const name = 'witkit_plugin_call_duration_seconds';
  // prom-client's Histogram cannot be fed pre-bucketed data, so this one reports our own
  // histogram through the registry's metric interface.
  const histogram = {
    name,
    help: 'Duration of plugin calls',
    type: 'histogram',
    aggregator: 'sum',
    get() {
      const values = source.latencyHistograms().flatMap(({ plugin, version, histogram: h }) => {
        const cumulative = h.cumulative(BUCKETS_SECONDS.map((s) => s * 1000));
        return [
          ...BUCKETS_SECONDS.map((le, i) => ({
            metricName: `${name}_bucket`,
            labels: { plugin, version, le },
            value: cumulative[i]!,
          })),
          { metricName: `${name}_bucket`, labels: { plugin, version, le: '+Inf' }, value: h.count },
          { metricName: `${name}_sum`, labels: { plugin, version }, value: h.sumMs / 1000 },
          { metricName: `${name}_count`, labels: { plugin, version }, value: h.count },
        ];
      });
      return { name, help: this.help, type: 'histogram', aggregator: 'sum', values };
    },
    reset() {},
  };
  registry.registerMetric(histogram as unknown as Metric);
  return registry;
}
