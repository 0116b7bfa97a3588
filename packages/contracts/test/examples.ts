import type {
  InventoryRejectedData,
  InventoryReleasedData,
  InventoryReservedData,
  InventoryStockChangedData,
  OrderCancelledData,
  OrderConfirmedData,
  OrderCreatedV1Data,
  OrderCreatedV2Data,
  OrderRejectedData,
  UserCreatedData,
  UserDeletedData,
} from '../src/index.js';

export const userId = '0b8a4d2e-5c1f-4e7a-9d3b-2f6c8e1a4b7d';
export const orderId = '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b';
export const reservationId = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
export const time = '2026-11-24T10:15:00.000Z';

/** A valid payload of every version of every event, keyed by its type (`<subject>.v<n>`). */
export const examples = {
  'users.created.v1': {
    userId,
    email: 'ada@example.com',
    name: 'Ada Lovelace',
    createdAt: time,
  } satisfies UserCreatedData,
  'users.deleted.v1': { userId, deletedAt: '2026-11-24T11:15:00+01:00' } satisfies UserDeletedData,
  'orders.created.v1': {
    orderId,
    userId,
    items: [
      { sku: 'BOOK-001', quantity: 2 },
      { sku: 'PEN-42', quantity: 1 },
    ],
    createdAt: time,
  } satisfies OrderCreatedV1Data,
  'orders.created.v2': {
    orderId,
    userId,
    items: [
      { sku: 'BOOK-001', quantity: 2, unitPrice: 19.99 },
      { sku: 'PEN-42', quantity: 1, unitPrice: null },
    ],
    currency: 'EUR',
    createdAt: time,
  } satisfies OrderCreatedV2Data,
  'orders.confirmed.v1': { orderId, userId, total: 41.97 } satisfies OrderConfirmedData,
  'orders.rejected.v1': { orderId, userId, reason: 'insufficient_stock' } satisfies OrderRejectedData,
  'orders.cancelled.v1': { orderId, userId, reason: 'user_deleted' } satisfies OrderCancelledData,
  'inventory.reserved.v1': {
    orderId,
    reservationId,
    items: [
      { sku: 'BOOK-001', quantity: 2, unitPrice: 19.99 },
      { sku: 'PEN-42', quantity: 1, unitPrice: 1.99 },
    ],
    total: 41.97,
  } satisfies InventoryReservedData,
  'inventory.rejected.v1': {
    orderId,
    reason: 'unknown_sku',
    items: [{ sku: 'NOPE-1', quantity: 1, available: 0 }],
  } satisfies InventoryRejectedData,
  'inventory.released.v1': { orderId, reservationId } satisfies InventoryReleasedData,
  'inventory.stock-changed.v1': {
    sku: 'BOOK-001',
    available: 8,
    reserved: 2,
    change: -2,
    cause: 'reserved',
    orderId,
    version: 3,
  } satisfies InventoryStockChangedData,
} as const;
