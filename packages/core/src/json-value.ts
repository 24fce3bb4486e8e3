/** A JSON value: what a holder may attach to describe itself (who, where, why). */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };
