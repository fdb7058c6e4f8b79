/** A JSON value: what session state, memory metadata and event payloads may hold. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
