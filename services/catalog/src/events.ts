import { ProductChanged, ProductCreated, ProductField } from '@emporium/contracts/emporium/catalog/v1/events.js';
import { defineEvent } from '@emporium/kit/events.js';
import { moneyToProto, type Money } from '@emporium/kit/money.js';

// The events the catalog publishes (subject emporium.catalog.v1.<Event>), and how a change of a
// product becomes one. The repositories record them in the transaction of the change.

export const productCreated = defineEvent<ProductCreated>('emporium.catalog.v1.ProductCreated', ProductCreated);
export const productChanged = defineEvent<ProductChanged>('emporium.catalog.v1.ProductChanged', ProductChanged);

/** A product as its events carry it: its fields after the change, and its version (1 at creation, +1 per change). */
export interface ProductSnapshot {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly price: Money;
  readonly stock: number;
  readonly version: bigint;
}

export type ProductFieldName = 'name' | 'description' | 'price' | 'stock';

const FIELD_TO_PROTO: Record<ProductFieldName, ProductField> = {
  name: ProductField.PRODUCT_FIELD_NAME,
  description: ProductField.PRODUCT_FIELD_DESCRIPTION,
  price: ProductField.PRODUCT_FIELD_PRICE,
  stock: ProductField.PRODUCT_FIELD_STOCK,
};

function fieldsOf(product: ProductSnapshot) {
  return {
    productId: product.id,
    name: product.name,
    description: product.description,
    price: moneyToProto(product.price),
    stock: product.stock,
    version: product.version.toString(),
  };
}

/** The ProductCreated event of a new product, for recordEvent. */
export function productCreatedEvent(product: ProductSnapshot) {
  return { type: productCreated, aggregateId: product.id, aggregateVersion: product.version, payload: fieldsOf(product) };
}

/** The ProductChanged event of a product after a change of these fields, for recordEvent. */
export function productChangedEvent(product: ProductSnapshot, changed: readonly ProductFieldName[]) {
  return {
    type: productChanged,
    aggregateId: product.id,
    aggregateVersion: product.version,
    payload: { ...fieldsOf(product), changedFields: changed.map((field) => FIELD_TO_PROTO[field]) },
  };
}
