import { type BusinessCounter, counter, observableGauge } from '@demo/telemetry';
import type { InventoryRepository, StockSnapshot } from './db/inventory-repository.js';

/** Gauges carry one series per SKU: bounded, so a huge catalog cannot flood the metrics backend. */
export const MAX_SKUS_OBSERVED = 1000;

export interface ServiceMetrics {
  /** Orders processed by outcome: `reserved`, `rejected`, `released`. */
  reservations: BusinessCounter<{ outcome: string }>;
}

/**
 * `demo.stock.available` and `demo.stock.reserved` (attribute `sku`), read from PostgreSQL at
 * collection time (one query serves both gauges), and `demo.reservations` by outcome. The
 * outbox backlog gauge comes with the relay (`@demo/bus`).
 */
export function registerMetrics(items: InventoryRepository): ServiceMetrics {
  let snapshot: { at: number; levels: Promise<StockSnapshot[]> } | undefined;
  const levels = () => {
    const now = Date.now();
    if (snapshot === undefined || now - snapshot.at > 500) {
      const current = { at: now, levels: items.stockLevels(MAX_SKUS_OBSERVED) };
      current.levels.catch(() => {
        if (snapshot === current) snapshot = undefined;
      });
      snapshot = current;
    }
    return snapshot.levels;
  };
  // Observed for the life of the process: telemetry shutdown ends the collections.
  observableGauge(
    'demo.stock.available',
    async () => (await levels()).map((s) => ({ value: s.available, attributes: { sku: s.sku } })),
    { unit: '{item}', description: 'Units of a SKU that can be reserved' },
  );
  observableGauge(
    'demo.stock.reserved',
    async () => (await levels()).map((s) => ({ value: s.reserved, attributes: { sku: s.sku } })),
    { unit: '{item}', description: 'Units of a SKU held by live reservations' },
  );
  return {
    reservations: counter('demo.reservations', {
      unit: '{order}',
      description: 'Orders processed by inventory, by outcome',
    }),
  };
}
