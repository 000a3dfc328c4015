import Foundation

/// A FIFO between two pipeline stages. `push` blocks while `capacity` frames wait (items of cost 0,
/// such as audio packets, ride along free), so memory stays flat however long the input is.
/// Closing wakes everyone: pops drain what is left, then return nil; pushes fail.
final class BoundedQueue<Element>: @unchecked Sendable {
    private var items: [(Element, Int)] = []
    private var head = 0
    private var cost = 0
    private var closed = false
    private let condition = NSCondition()   // guards every field above
    let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// False when the queue was closed (the consumer gave up): stop producing.
    @discardableResult
    func push(_ item: Element, cost itemCost: Int = 1) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !closed && itemCost > 0 && cost + itemCost > capacity { condition.wait() }
        guard !closed else { return false }
        items.append((item, itemCost))
        cost += itemCost
        condition.broadcast()
        return true
    }

    func pop() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count && !closed { condition.wait() }
        guard head < items.count else { return nil }
        let (item, itemCost) = items[head]
        head += 1
        if head > 64 { items.removeFirst(head); head = 0 }
        cost -= itemCost
        condition.broadcast()
        return item
    }

    /// No more pushes; pops return what is queued, then nil.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}

/// A flag set from a signal handler or another stage and read by all of them.
public final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false   // guarded by lock
    public init() {}
    public var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    public func set() { lock.lock(); value = true; lock.unlock() }
}
