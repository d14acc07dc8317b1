import { useState, type FormEvent } from 'react';
import { ErrorMessage } from '../ui';

export interface ProductFields {
  readonly name: string;
  readonly description: string;
  /** A decimal string, as the API takes it ("19.99"). */
  readonly price: string;
  readonly stock: number;
}

/** The product form of the admin pages: Name, Description, Price, Stock and one submit button. */
export function ProductForm({ initial, submitLabel, onSubmit }: { initial: ProductFields; submitLabel: string; onSubmit: (fields: ProductFields) => Promise<void> }) {
  const [name, setName] = useState(initial.name);
  const [description, setDescription] = useState(initial.description);
  const [price, setPrice] = useState(initial.price);
  const [stock, setStock] = useState(String(initial.stock));
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await onSubmit({ name: name.trim(), description, price: price.trim(), stock: Number.parseInt(stock, 10) });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const idPrefix = submitLabel.toLowerCase().replaceAll(' ', '-');
  return (
    <form className="stacked" onSubmit={(event) => void submit(event)}>
      <label htmlFor={`${idPrefix}-name`}>Name</label>
      <input id={`${idPrefix}-name`} required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
      <label htmlFor={`${idPrefix}-description`}>Description</label>
      <textarea id={`${idPrefix}-description`} maxLength={5000} rows={4} value={description} onChange={(e) => setDescription(e.target.value)} />
      <label htmlFor={`${idPrefix}-price`}>Price</label>
      <input
        id={`${idPrefix}-price`}
        required
        inputMode="decimal"
        pattern="\d+(\.\d{1,2})?"
        aria-describedby={`${idPrefix}-price-hint`}
        value={price}
        onChange={(e) => setPrice(e.target.value)}
      />
      <p id={`${idPrefix}-price-hint`} className="muted">
        In the store currency, e.g. 19.99
      </p>
      <label htmlFor={`${idPrefix}-stock`}>Stock</label>
      <input id={`${idPrefix}-stock`} required type="number" min={0} step={1} value={stock} onChange={(e) => setStock(e.target.value)} />
      <ErrorMessage error={error} />
      <button type="submit" className="primary" aria-disabled={busy}>
        {submitLabel}
      </button>
    </form>
  );
}
