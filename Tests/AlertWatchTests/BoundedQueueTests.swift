import Foundation
import Testing

@testable import AlertWatch

/// The investigation queue: bounded, first in first out, with back-pressure.
struct BoundedQueueTests {
    @Test func `tryPush refuses past capacity and pushes wait for room`() async {
        let queue = BoundedQueue<Int>(capacity: 2)
        #expect(queue.tryPush(1) == .accepted)
        #expect(queue.tryPush(2) == .accepted)
        #expect(queue.tryPush(3) == .full)
        let waiting = Task { await queue.push(3) }
        // The producer is held while the queue is full…
        try? await Task.sleep(for: .milliseconds(50))
        #expect(queue.count == 2)
        // …and let in, in order, once a consumer takes one.
        #expect(await queue.next() == 1)
        #expect(await waiting.value)
        #expect(queue.count == 2)
        #expect(await queue.next() == 2)
        #expect(await queue.next() == 3)
    }

    @Test func `a waiting consumer gets the next push at once`() async {
        let queue = BoundedQueue<String>(capacity: 1)
        let consumer = Task { await queue.next() }
        try? await Task.sleep(for: .milliseconds(20))
        #expect(queue.tryPush("job") == .accepted)
        #expect(await consumer.value == "job")
    }

    @Test func `close hands out what is queued, then nil; later pushes are refused`() async {
        let queue = BoundedQueue<Int>(capacity: 4)
        _ = queue.tryPush(1)
        queue.close()
        #expect(queue.tryPush(2) == .closed)
        #expect(await queue.push(2) == false)
        #expect(await queue.next() == 1)
        #expect(await queue.next() == nil)
    }

    @Test func `closeAndDrain takes back what waits and frees everyone`() async {
        let queue = BoundedQueue<Int>(capacity: 1)
        _ = queue.tryPush(1)
        let producer = Task { await queue.push(2) }
        try? await Task.sleep(for: .milliseconds(20))
        #expect(queue.closeAndDrain() == [1])
        #expect(await producer.value == false)
        #expect(await queue.next() == nil)
    }

    @Test func `many producers and consumers lose and repeat nothing`() async {
        let queue = BoundedQueue<Int>(capacity: 3)
        let taken = await withTaskGroup(of: (isProducer: Bool, values: [Int]).self) { group in
            for producer in 0..<4 {
                group.addTask {
                    for value in 0..<250 { _ = await queue.push(producer * 1000 + value) }
                    return (true, [])
                }
            }
            for _ in 0..<3 {
                group.addTask {
                    var mine: [Int] = []
                    while let value = await queue.next() { mine.append(value) }
                    return (false, mine)
                }
            }
            var all: [Int] = []
            var producersDone = 0
            for await part in group {
                if part.isProducer {
                    producersDone += 1
                    if producersDone == 4 { queue.close() }
                }
                all += part.values
            }
            return all
        }
        #expect(taken.count == 1000)
        #expect(Set(taken).count == 1000)
    }
}
