import type { NodeId } from './address.js';

/** One node's part of a quiescence check (see `LocalNode.activity`). */
export interface NodeActivity {
  readonly node: NodeId;
  readonly idle: boolean;
  readonly sent: Readonly<Record<string, number>>;
  readonly received: Readonly<Record<string, number>>;
}

/** True when every node is idle and every batch sent has been received. */
export function quiescent(nodes: readonly NodeActivity[]): boolean {
  const byId = new Map(nodes.map((n) => [n.node as string, n]));
  for (const node of nodes) {
    if (!node.idle) return false;
    for (const [peer, sent] of Object.entries(node.sent)) {
      const receiver = byId.get(peer);
      if (receiver !== undefined && (receiver.received[node.node] ?? 0) !== sent) return false;
    }
  }
  return true;
}

