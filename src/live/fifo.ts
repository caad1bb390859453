// First in, first out, with O(1) taking: an index into an array, the taken
// part cut off when all of it is taken or now and then, rather than shift()
// on every take. The streams' events and the readers waiting for a turn.
export class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** The oldest item; the caller checks `length` first. */
  shift(): T {
    const item = this.items[this.head++];
    if (this.head === this.items.length) this.clear();
    else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    return item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
