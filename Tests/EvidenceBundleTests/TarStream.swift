import Foundation

/// Tar archives as a hostile container could make them: any name, any type, any size claim.
enum TarStream {
    /// One member: a ustar header (with an optional pax `path` record before it) and its content.
    struct Member {
        var name: String
        var typeflag: UInt8 = UInt8(ascii: "0")
        var content: [UInt8] = []
        var link = ""
        var mode = 0o755
        /// A pax `path` record that overrides the ustar name, as GNU and Go tar write long names.
        var paxPath: String?
        var badChecksum = false

        static func file(_ name: String, _ text: String) -> Member {
            Member(name: name, content: Array(text.utf8))
        }

        static func special(_ name: String, _ type: Character, link: String = "") -> Member {
            Member(name: name, typeflag: type.asciiValue ?? 0, link: link)
        }
    }

    /// The archive's bytes; `end` adds the two zero blocks a complete archive ends with.
    static func archive(_ members: [Member], end: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        for member in members {
            if let paxPath = member.paxPath {
                let record = paxRecord("path", paxPath)
                out += header(
                    name: "PaxHeaders/0", typeflag: UInt8(ascii: "x"), size: record.count, link: "", mode: 0o644)
                out += padded(record)
            }
            out += header(
                name: member.name, typeflag: member.typeflag, size: member.content.count, link: member.link,
                mode: member.mode, badChecksum: member.badChecksum)
            out += padded(member.content)
        }
        return end ? out + [UInt8](repeating: 0, count: 1024) : out
    }

    private static func header(
        name: String, typeflag: UInt8, size: Int, link: String, mode: Int, badChecksum: Bool = false
    ) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 512)
        func field(_ offset: Int, _ bytes: [UInt8]) {
            for (index, byte) in bytes.enumerated() where offset + index < 512 { block[offset + index] = byte }
        }
        func number(_ value: Int, digits: Int) -> [UInt8] {
            let text = String(value, radix: 8)
            return Array((String(repeating: "0", count: max(0, digits - text.count)) + text).utf8) + [0]
        }
        field(0, Array(name.utf8.prefix(100)))
        field(100, number(mode, digits: 7))
        field(108, number(0, digits: 7))
        field(116, number(0, digits: 7))
        field(124, number(size, digits: 11))
        field(136, number(1_700_000_000, digits: 11))
        field(148, Array("        ".utf8))
        block[156] = typeflag
        field(157, Array(link.utf8.prefix(100)))
        field(257, Array("ustar\u{0}00".utf8))
        let sum = block.reduce(0) { $0 + Int($1) } + (badChecksum ? 1 : 0)
        field(148, number(sum, digits: 6) + [UInt8(ascii: " ")])
        return block
    }

    private static func paxRecord(_ key: String, _ value: String) -> [UInt8] {
        let body = " \(key)=\(value)\n"
        var length = body.utf8.count + 1
        while String(length).utf8.count + body.utf8.count != length {
            length = String(length).utf8.count + body.utf8.count
        }
        return Array("\(length)\(body)".utf8)
    }

    private static func padded(_ bytes: [UInt8]) -> [UInt8] {
        bytes + [UInt8](repeating: 0, count: (512 - bytes.count % 512) % 512)
    }
}
