/** An inventory item as the service shows it: money as numbers, timestamps as ISO strings. */
export interface InventoryItem {
  id: string;
  sku: string;
  name: string;
  available: number;
  reserved: number;
  unitPrice: number;
  createdAt: string;
  updatedAt: string;
}

/** What it takes to stock a new SKU. */
export interface NewItem {
  sku: string;
  name: string;
  quantity: number;
  unitPrice: number;
}

/** A SKU that is already stocked: SKUs are unique. */
export class SkuTakenError extends Error {
  override readonly name = 'SkuTakenError';
  constructor(readonly sku: string) {
    super(`SKU ${sku} already exists`);
  }
}
