import Foundation

/// SplitMix64: a seeded generator, so a failing random split can be replayed exactly.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

/// Byte streams cut into chunks the way a transport might deliver them.
enum Chunking {
    /// Calls `body` with the pieces of `bytes` between the given cut offsets (sorted, within bounds).
    static func feed(_ bytes: [UInt8], cuts: [Int], _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        var start = 0
        for cut in cuts + [bytes.count] where cut >= start {
            try bytes[start..<cut].withUnsafeBytes { try body($0) }
            start = cut
        }
    }

    /// Random cut offsets with chunks of 1 to `maxChunk` bytes.
    static func randomCuts(count: Int, maxChunk: Int, using random: inout SeededRandom) -> [Int] {
        var cuts: [Int] = []
        var position = 0
        while true {
            position += Int.random(in: 1...maxChunk, using: &random)
            guard position < count else { return cuts }
            cuts.append(position)
        }
    }

    /// Cuts after every byte.
    static func everyByte(_ count: Int) -> [Int] { count > 1 ? Array(1..<count) : [] }
}

/// Builds engine log frames: `[type, 0, 0, 0, size (big-endian)] + payload`.
func logFrame(_ type: UInt8, _ payload: [UInt8]) -> [UInt8] {
    let size = UInt32(payload.count)
    return [type, 0, 0, 0, UInt8(size >> 24), UInt8(truncatingIfNeeded: size >> 16), UInt8(truncatingIfNeeded: size >> 8),
        UInt8(truncatingIfNeeded: size)] + payload
}

func logFrame(_ type: UInt8, _ text: String) -> [UInt8] { logFrame(type, Array(text.utf8)) }
