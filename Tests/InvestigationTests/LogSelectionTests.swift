import Testing

@testable import Runtime

@Suite struct LogSelectionTests {
    private func select(_ count: Int, limit: Int, keep: LogSelection<Int>.Keep) -> LogSelection<Int> {
        var selection = LogSelection<Int>(limit: limit, keep: keep)
        for line in 1...count { selection.offer(line) }
        return selection
    }

    @Test func `the newest lines, oldest first, as docker logs --tail`() {
        let selection = select(10, limit: 3, keep: .newest)
        #expect(selection.ordered == [8, 9, 10])
        #expect(selection.truncated && selection.dropped == 7)
    }

    @Test func `the first lines of a window around an alert, and a signal to stop reading`() {
        var selection = LogSelection<Int>(limit: 2, keep: .oldest)
        let first = selection.offer(1)
        let second = selection.offer(2)
        let third = selection.offer(3)
        #expect(first && second)
        #expect(!third, "full: the reader may stop")
        #expect(selection.ordered == [1, 2] && selection.truncated)
    }

    @Test func `fewer lines than the limit are all kept, untruncated`() {
        for keep in [LogSelection<Int>.Keep.oldest, .newest] {
            let selection = select(4, limit: 5, keep: keep)
            #expect(selection.ordered == [1, 2, 3, 4] && !selection.truncated)
        }
    }

    @Test func `a limit of zero keeps nothing and says so`() {
        let selection = select(3, limit: 0, keep: .newest)
        #expect(selection.ordered.isEmpty && selection.truncated)
    }
}
