import Foundation

/// A first-in first-out queue of at most `capacity` elements between producers and a pool of consumers.
///
/// `push` waits while the queue is full (back-pressure for a stream), `tryPush` answers at once (an HTTP
/// request is refused with 503 instead of held), `next` waits while it is empty. It is a locked class rather
/// than an actor so that a caller can test and push in one step, inside its own actor's turn.
package final class BoundedQueue<Element: Sendable>: @unchecked Sendable {
    // @unchecked: every stored property below is only touched under `lock`.
    package enum PushResult: Sendable, Equatable {
        case accepted, full, closed
    }

    package let capacity: Int
    private let lock = NSLock()
    private var elements: [Element] = []
    /// Index of the first element not yet taken (elements before it are compacted away lazily).
    private var head = 0
    private var isClosed = false
    private var consumers: [CheckedContinuation<Element?, Never>] = []
    private var producers: [(element: Element, resume: CheckedContinuation<Bool, Never>)] = []

    package init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// How many elements wait to be taken.
    package var count: Int { locked { elements.count - head } }

    /// Adds `element` now if there is room.
    package func tryPush(_ element: Element) -> PushResult {
        let (result, consumer) = locked { () -> (PushResult, CheckedContinuation<Element?, Never>?) in
            if isClosed { return (.closed, nil) }
            if !consumers.isEmpty { return (.accepted, consumers.removeFirst()) }
            if elements.count - head >= capacity { return (.full, nil) }
            elements.append(element)
            return (.accepted, nil)
        }
        consumer?.resume(returning: element)
        return result
    }

    /// Adds `element`, waiting for room; `false` when the queue was closed first (the element was not added).
    package func push(_ element: Element) async -> Bool {
        switch tryPush(element) {
        case .accepted: return true
        case .closed: return false
        case .full: break
        }
        return await withCheckedContinuation { continuation in
            let outcome = locked { () -> (Bool?, CheckedContinuation<Element?, Never>?) in
                if isClosed { return (false, nil) }
                if !consumers.isEmpty { return (true, consumers.removeFirst()) }
                if elements.count - head < capacity {
                    elements.append(element)
                    return (true, nil)
                }
                producers.append((element, continuation))
                return (nil, nil)
            }
            outcome.1?.resume(returning: element)
            if let added = outcome.0 { continuation.resume(returning: added) }
        }
    }

    /// The next element, waiting while there is none; `nil` once the queue is closed and empty.
    package func next() async -> Element? {
        await withCheckedContinuation { continuation in
            let (taken, done, producer) = locked { () -> (Element?, Bool, CheckedContinuation<Bool, Never>?) in
                if head < elements.count {
                    let element = elements[head]
                    head += 1
                    compact()
                    // A waiting producer's element moves in behind: it is now in the queue.
                    var resumed: CheckedContinuation<Bool, Never>?
                    if !producers.isEmpty {
                        let waiting = producers.removeFirst()
                        elements.append(waiting.element)
                        resumed = waiting.resume
                    }
                    return (element, false, resumed)
                }
                if isClosed { return (nil, true, nil) }
                consumers.append(continuation)
                return (nil, false, nil)
            }
            producer?.resume(returning: true)
            if let taken {
                continuation.resume(returning: taken)
            } else if done {
                continuation.resume(returning: nil)
            }
        }
    }

    /// No more pushes; what is queued is still handed out, then consumers get `nil`. Waiting producers get
    /// `false`.
    package func close() {
        let (waitingConsumers, waitingProducers) = locked {
            isClosed = true
            let result = (elements.count == head ? consumers : [], producers)
            if elements.count == head { consumers = [] }
            producers = []
            return result
        }
        for consumer in waitingConsumers { consumer.resume(returning: nil) }
        for producer in waitingProducers { producer.resume.resume(returning: false) }
    }

    /// Closes the queue and takes back everything not yet handed out, for the caller to account for.
    package func closeAndDrain() -> [Element] {
        let (drained, waitingConsumers, waitingProducers) = locked {
            isClosed = true
            let drained = Array(elements[head...])
            elements = []
            head = 0
            let result = (drained, consumers, producers)
            consumers = []
            producers = []
            return result
        }
        for consumer in waitingConsumers { consumer.resume(returning: nil) }
        for producer in waitingProducers { producer.resume.resume(returning: false) }
        return drained
    }

    /// Drops taken elements once they are half the storage, so memory follows what is queued.
    private func compact() {
        if head > 64, head * 2 >= elements.count {
            elements.removeFirst(head)
            head = 0
        }
    }

    private func locked<Result>(_ body: () -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}
