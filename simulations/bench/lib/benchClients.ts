/** Ids and tokens of the benchmarks' edge clients (the coordinator's config lists the same tokens). */
export const benchClientId = (k: number): string => `client-${String(k).padStart(4, '0')}`;
export const benchToken = (id: string): string => `bench-token-${id}-0123456789`;
