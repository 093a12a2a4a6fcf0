// Process-wide shared data and shared queues, keyed by vm_id, shared by every worker VM
// (proxy-wasm-cpp-host src/shared_data.cc, src/shared_queue.cc).
import { Status } from "./abi.ts";

export interface SharedValue {
  value: Uint8Array;
  cas: number;
}

/** cpp-host SharedData: one CAS counter for the whole process, never 0. */
export class SharedDataStore {
  private readonly data = new Map<string, Map<string, SharedValue>>();
  private nextCas = 0;

  private vm(vmId: string): Map<string, SharedValue> {
    let m = this.data.get(vmId);
    if (!m) this.data.set(vmId, (m = new Map()));
    return m;
  }

  getEntry(vmId: string, key: string): SharedValue | undefined {
    return this.data.get(vmId)?.get(key);
  }

  /**
   * SharedData::set: cas 0 is unconditional; a missing key ignores the CAS; otherwise the
   * CAS must equal the stored one (CAS_MISMATCH). Every successful set gets a new CAS.
   */
  setEntry(vmId: string, key: string, value: Uint8Array, cas: number): number {
    const m = this.vm(vmId);
    const cur = m.get(key);
    if (cur && cas !== 0 && cas !== cur.cas) return Status.CAS_MISMATCH;
    this.nextCas = (this.nextCas + 1) >>> 0;
    if (this.nextCas === 0) this.nextCas = 1;
    m.set(key, { value: value.slice(), cas: this.nextCas });
    return Status.OK;
  }

  /** Test helper view over the vm's entries (values as given; do not mutate). */
  entries(vmId: string): Map<string, SharedValue> {
    return this.vm(vmId);
  }
}

export interface QueueOwner {
  /** Delivers proxy_on_queue_ready(rootContextId, token) on the registering VM, deferred. */
  notifyQueueReady(rootContextId: number, token: number): void;
}

interface Queue {
  vmId: string;
  name: string;
  token: number;
  owner: QueueOwner;
  rootContextId: number;
  items: Uint8Array[];
}

/** cpp-host SharedQueue: tokens are process-wide, start at 1. */
export class SharedQueueStore {
  private readonly byKey = new Map<string, Queue>();
  private readonly byToken = new Map<number, Queue>();
  private nextToken = 1;

  register(vmId: string, name: string, owner: QueueOwner, rootContextId: number): number {
    const key = vmId + "\u0000" + name;
    const q = this.byKey.get(key);
    if (q) {
      // Re-registering takes over notifications (cpp-host registerSharedQueue updates the context).
      q.owner = owner;
      q.rootContextId = rootContextId;
      return q.token;
    }
    const token = this.nextToken++;
    const nq: Queue = { vmId, name, token, owner, rootContextId, items: [] };
    this.byKey.set(key, nq);
    this.byToken.set(token, nq);
    return token;
  }

  resolve(vmId: string, name: string): number | undefined {
    return this.byKey.get(vmId + "\u0000" + name)?.token;
  }

  enqueue(token: number, value: Uint8Array): number {
    const q = this.byToken.get(token);
    if (!q) return Status.NOT_FOUND;
    q.items.push(value.slice());
    q.owner.notifyQueueReady(q.rootContextId, token);
    return Status.OK;
  }

  dequeue(token: number): Uint8Array | number {
    const q = this.byToken.get(token);
    if (!q) return Status.NOT_FOUND;
    const v = q.items.shift();
    return v === undefined ? Status.EMPTY : v;
  }

  /** Items currently queued under (vmId, name); for assertions. */
  items(name: string, vmId = ""): Uint8Array[] | undefined {
    return this.byKey.get(vmId + "\u0000" + name)?.items;
  }
}
