import Foundation
import Testing

@testable import DockerEngine

/// Large files are written in blocks from a thread of their own (directly, where the file system
/// allows); whatever the path, the file holds exactly the bytes given.
@Suite struct BlockFileWriterTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("blocks-" + UUID().uuidString.prefix(8))

    init() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 11) }
    }

    @Test(arguments: [0, 1, 4095, 4097, BlockFileWriter.blockSize, BlockFileWriter.blockSize * 5 + 12_345])
    func `the file holds exactly what was written, in any chunking, with its mode`(count: Int) throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("file").path
        let expected = bytes(count)
        let writer = try BlockFileWriter(creating: path, mode: 0o600)
        var start = 0
        var piece = 1
        while start < expected.count {
            let stop = min(start + piece, expected.count)
            try expected[start..<stop].withUnsafeBytes { try writer.write($0) }
            start = stop
            piece = piece * 3 % 70_001 + 1
        }
        #expect(writer.size == Int64(count))
        try writer.finish(mode: 0o400)
        #expect(FileManager.default.contents(atPath: path).map(Array.init) == expected)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o400)
        let more: [UInt8] = [1, 2, 3]
        #expect(throws: BlockFileWriter.Failure.self) { try more.withUnsafeBytes { try writer.write($0) } }
    }

    @Test func `an existing file is never opened, let alone overwritten`() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("taken").path
        FileManager.default.createFile(atPath: path, contents: Data("keep".utf8))
        #expect(throws: BlockFileWriter.Failure.self) { try BlockFileWriter(creating: path, mode: 0o600) }
        #expect(FileManager.default.contents(atPath: path) == Data("keep".utf8))
    }

    @Test func `a writer dropped mid-file stops its thread instead of waiting forever`() throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("dropped").path
        do {
            let writer = try BlockFileWriter(creating: path, mode: 0o600)
            try bytes(BlockFileWriter.blockSize * 3).withUnsafeBytes { try writer.write($0) }
        }
        // The full blocks were handed to the thread, which wrote them before it stopped.
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber
        #expect(size?.intValue ?? 0 >= BlockFileWriter.blockSize * 2)
    }
}
