/**
 * Actor addresses, in the libprocess UPID style: `name@node`.
 * A node is one thread of an actor system: `main` for the host thread, `w<N>` for workers.
 */
export type NodeId = string & { readonly __brand: 'NodeId' };
export type Address = string & { readonly __brand: 'Address' };

export const MAIN_NODE = 'main' as NodeId;

const NAME_PATTERN = /^[A-Za-z0-9_$.:-]+$/;

export function isValidActorName(name: string): boolean {
  return name.length > 0 && name.length <= 200 && NAME_PATTERN.test(name);
}

export function makeAddress(name: string, node: NodeId): Address {
  return `${name}@${node}` as Address;
}

export function nodeOf(address: Address): NodeId {
  return address.slice(address.lastIndexOf('@') + 1) as NodeId;
}

export function nameOf(address: Address): string {
  return address.slice(0, address.lastIndexOf('@'));
}

export function isAddress(value: unknown): value is Address {
  if (typeof value !== 'string') return false;
  const at = value.lastIndexOf('@');
  return at > 0 && at < value.length - 1;
}
