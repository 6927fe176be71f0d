/** The own fields of a validated DTO that were given, as a plain object for a service. */
export function definedFields<T extends object>(dto: object): T {
  return Object.fromEntries(Object.entries(dto).filter(([, value]) => value !== undefined)) as T;
}
