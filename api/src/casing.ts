/** `display_name` → `displayName`: how Pulumi-facing names are made from the API's fields. */
export type Camel<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;

/** An API object with camelCased keys. */
export type CamelKeys<T> = { [K in keyof T as K extends string ? Camel<K> : never]: T[K] };

export function camel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
