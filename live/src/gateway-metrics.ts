// The gateway's Prometheus metrics, registered on the process registry it is handed (one /metrics per process).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface GatewayMetrics {
  wsClients: Gauge;
  rooms: Gauge;
  ticks: Counter;
  tickDeliveries: Counter;
  tickFanoutSeconds: Histogram;
  itemDeliveries: Counter;
  itemsReceived: Counter;
  consumerLag: Gauge<'partition'>;
}

/** `clients` and `rooms` are read when Prometheus scrapes, so nothing has to keep the gauges in step. */
export function createGatewayMetrics(registry: Registry, read: { clients: () => number; rooms: () => number }): GatewayMetrics {
  const registers = [registry];
  return {
    wsClients: new Gauge({
      name: 'barometer_live_ws_clients',
      help: 'socket.io clients connected to this gateway',
      registers,
      collect() {
        this.set(read.clients());
      },
    }),
    rooms: new Gauge({
      name: 'barometer_live_rooms',
      help: 'Rooms with a live feed (overall plus every asset at least one client subscribed to)',
      registers,
      collect() {
        this.set(read.rooms());
      },
    }),
    ticks: new Counter({ name: 'barometer_live_ticks_total', help: 'sentiment:tick events broadcast (one per room per change)', registers }),
    tickDeliveries: new Counter({ name: 'barometer_live_tick_deliveries_total', help: 'sentiment:tick events delivered to clients', registers }),
    tickFanoutSeconds: new Histogram({
      name: 'barometer_live_tick_fanout_seconds',
      help: 'Time to hand one tick to every client of its room (encoding once plus one write per client)',
      // Loopback fan-out to 10k clients takes tens of milliseconds; 1 client a few microseconds.
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    itemDeliveries: new Counter({ name: 'barometer_live_item_deliveries_total', help: 'item:scored events delivered to clients', registers }),
    itemsReceived: new Counter({ name: 'barometer_live_items_received_total', help: 'Scored items read from the scored topic (redeliveries excluded)', registers }),
    consumerLag: new Gauge({
      name: 'barometer_live_consumer_lag',
      help: "Messages on the scored topic this gateway's consumer has not read yet, per partition, as of its last batch",
      labelNames: ['partition'],
      registers,
    }),
  };
}
